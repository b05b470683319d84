module domus.local/tools/vault

go 1.23.3

require github.com/hashicorp/vault v1.19.0

replace (
	github.com/99designs/keyring => github.com/Jeffail/keyring v1.2.3
	github.com/ma314smith/signedxml v1.1.1 => github.com/moov-io/signedxml v1.1.1
)
