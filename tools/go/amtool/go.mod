module domus.local/tools/amtool

go 1.22.0

require github.com/prometheus/alertmanager v0.28.1
