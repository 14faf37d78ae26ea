//go:build cgo

package corsgate

import (
	"fmt"
	"strings"
)

// ErrorKind says why a policy was refused. The numbers and names are the
// C ABI's and the policy file's: stable, only ever appended.
type ErrorKind uint16

var errorKindNames = map[ErrorKind]string{
	ErrTOMLSyntax:                    "toml_syntax",
	ErrUnknownKey:                    "unknown_key",
	ErrWrongType:                     "wrong_type",
	ErrInvalidValue:                  "invalid_value",
	ErrNoOrigins:                     "no_origins",
	ErrWildcardWithCredentials:       "wildcard_with_credentials",
	ErrNullOrigin:                    "null_origin",
	ErrInsecureOrigin:                "insecure_origin",
	ErrPublicSuffixWildcard:          "public_suffix_wildcard",
	ErrMisplacedWildcard:             "misplaced_wildcard",
	ErrOriginHasPath:                 "origin_has_path",
	ErrOriginHasUserinfo:             "origin_has_userinfo",
	ErrDefaultPort:                   "default_port",
	ErrInvalidPort:                   "invalid_port",
	ErrUppercaseOrigin:               "uppercase_origin",
	ErrNonASCIIOrigin:                "non_ascii_origin",
	ErrInvalidPunycode:               "invalid_punycode",
	ErrInvalidOrigin:                 "invalid_origin",
	ErrCanaryAllowed:                 "canary_allowed",
	ErrOriginTooLong:                 "origin_too_long",
	ErrInvalidMethod:                 "invalid_method",
	ErrForbiddenMethod:               "forbidden_method",
	ErrInvalidHeaderName:             "invalid_header_name",
	ErrForbiddenRequestHeader:        "forbidden_request_header",
	ErrForbiddenExposedHeader:        "forbidden_exposed_header",
	ErrWildcardExposeWithCredentials: "wildcard_expose_with_credentials",
	ErrMaxAgeOutOfRange:              "max_age_out_of_range",
	ErrInvalidPreflightStatus:        "invalid_preflight_status",
}

// String is the kind's stable snake_case name, e.g. "insecure_origin".
func (k ErrorKind) String() string {
	if s, ok := errorKindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("error_kind(%d)", uint16(k))
}

// Error is one problem found in a policy.
type Error struct {
	Kind ErrorKind
	// The offending value as written (a key name for key errors; may be
	// empty).
	Value string
	// A sentence explaining the problem and how to fix it.
	Message string
}

func (e Error) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("%s: %s", e.Kind, e.Message)
	}
	return fmt.Sprintf("%s (%q): %s", e.Kind, e.Value, e.Message)
}

// ErrorList is the error New, Parse and Load return for a refused policy:
// every problem, in the order found, never empty. Get it with errors.As:
//
//	var list corsgate.ErrorList
//	if errors.As(err, &list) { for _, e := range list { ... e.Kind ... } }
type ErrorList []Error

func (l ErrorList) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "corsgate: the policy was refused (%d problem", len(l))
	if len(l) != 1 {
		b.WriteByte('s')
	}
	b.WriteString(")")
	for _, e := range l {
		b.WriteString("\n  ")
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap gives each problem to errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}
