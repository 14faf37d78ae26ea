package corsgate_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	corsgate "github.com/corsgate/corsgate/bindings/go"
)

func Example() {
	policy, err := corsgate.New(corsgate.Config{
		Origins:        []string{"https://app.example.com", "https://*.example.com"},
		Methods:        []string{"GET", "POST", "PUT", "DELETE"},
		RequestHeaders: []string{"Content-Type", "Authorization"},
		Credentials:    true,
		MaxAge:         600,
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "hello") })
	handler := policy.Handler(mux) // or r.Use(policy.Middleware)

	req := httptest.NewRequest("OPTIONS", "/api/items", nil)
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "PUT")
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, req)
	fmt.Println(w.Code, w.Header().Get("Access-Control-Allow-Origin"), w.Header().Get("Access-Control-Allow-Methods"))
	// Output: 204 https://app.example.com PUT
}

func ExampleErrorList() {
	_, err := corsgate.New(corsgate.Config{
		Origins:     []string{"*", "http://api.example.com"},
		Credentials: true,
	})
	var list corsgate.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Println(e.Kind, e.Value)
		}
	}
	// Output:
	// wildcard_with_credentials *
	// insecure_origin http://api.example.com
}

func ExamplePolicy_Evaluate() {
	policy, err := corsgate.Parse([]byte(`origins = ["https://app.example.com"]`))
	if err != nil {
		panic(err)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Origin", "https://evil.example")
	d := policy.Evaluate(req)
	fmt.Println(d.Kind, d.Allowed, d.Reason)
	for _, h := range d.Headers() {
		fmt.Printf("%s: %s\n", h.Name, h.Value)
	}
	// Output:
	// actual false origin_not_allowed
	// Vary: Origin
}
