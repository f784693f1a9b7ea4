module tessera/bench/pacer

go 1.24
