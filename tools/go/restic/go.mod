module domus.local/tools/restic

go 1.23.0

require github.com/restic/restic v0.18.1
