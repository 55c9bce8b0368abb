// The roc plugin (Go). The module is named wit_component because the bindings that
// `candlewick build` generates from wit/ (wit-bindgen-go) import their packages by that path.
module wit_component

go 1.25

require go.bytecodealliance.org/pkg v0.2.3

// The bindings' runtime (go.bytecodealliance.org/pkg, Apache-2.0 WITH LLVM-exception), written into
// go-pkg/ by `candlewick build` from the copy the candlewick binary carries: the build fetches
// nothing from a Go module proxy.
replace go.bytecodealliance.org/pkg => ./go-pkg
