module github.com/corsgate/corsgate/bindings/go

go 1.24
