module github.com/corsgate/corsgate/bindings/go/bench

go 1.25

replace github.com/corsgate/corsgate/bindings/go => ../

require (
	github.com/corsgate/corsgate/bindings/go v0.0.0-00010101000000-000000000000
	github.com/rs/cors v1.11.1
)
