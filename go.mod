module github.com/ionet-network/ionet

go 1.26
