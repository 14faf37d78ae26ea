
/*
 * ngx_http_cors_module: CORS for nginx, decided by the corsgate engine.
 *
 * This file is the request path; the configuration (directives at http,
 * server and location level, the policy of a level compiled once while the
 * configuration is read and shared by every level that inherits it) is in
 * ngx_http_cors_conf.c.  The request path has three parts:
 *
 *   rewrite phase  decides a preflight first, so that the location's
 *                  "rewrite", "return" and "if" never see one the module
 *                  answers;
 *   access phase   answers it after "limit_conn", "limit_req" and
 *                  "allow"/"deny", and before "auth_basic", "auth_request"
 *                  and the content handler ("proxy_pass"): a browser sends
 *                  no credentials with a preflight;
 *   header filter  adds the engine's headers to every response of the
 *                  location, nginx's own error pages included, after
 *                  "add_header" and other header filters had their say.
 *
 * That order takes two nginx modules, placed by the "config" file: the
 * access-phase handler belongs to ngx_http_cors_module, which sits just
 * before ngx_http_access_module; the header filter and the rewrite-phase
 * handler belong to ngx_http_cors_filter_module, which sits just before
 * ngx_http_headers_filter_module.
 *
 * Each request is evaluated once (one call into corsgate); the decision is
 * kept in the request context and its header values, which point into the
 * policy or into the request's own header memory, are handed to nginx
 * without copying.
 */


#include "ngx_http_cors.h"


/*
 * The engine reads at most four Access-Control-Request-Headers lines and
 * refuses a request with more; one slot beyond that is enough for it to
 * see the excess.
 */
#define NGX_HTTP_CORS_ACRH_SLOTS       5

#if defined(CORSGATE_TEST_PANIC)
#define NGX_HTTP_CORS_TEST_PANIC_ORIGIN  "https://engine-panic.test"
#endif


typedef struct {
    /* the policy the decision was made with */
    const corsgate_policy      *policy;

    /*
     * The engine call failed (in practice only a panic caught by the
     * library's boundary): decision is not valid, the request gets no
     * CORS headers at all.
     */
    ngx_uint_t                  failed;

    corsgate_decision           decision;
} ngx_http_cors_ctx_t;


static ngx_int_t ngx_http_cors_rewrite_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_cors_preaccess_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_cors_access_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_cors_preflight_status(ngx_http_request_t *r);
static ngx_int_t ngx_http_cors_answer_preflight(ngx_http_request_t *r);
static ngx_int_t ngx_http_cors_send_preflight(ngx_http_request_t *r,
    ngx_uint_t status);
static ngx_int_t ngx_http_cors_header_filter(ngx_http_request_t *r);
static ngx_http_cors_ctx_t *ngx_http_cors_decide(ngx_http_request_t *r,
    ngx_http_cors_loc_conf_t *clcf);
static ngx_str_t *ngx_http_cors_scan_response_headers(ngx_http_request_t *r);
static ngx_int_t ngx_http_cors_add_headers(ngx_http_request_t *r,
    corsgate_decision *decision, ngx_str_t *vary);
static ngx_int_t ngx_http_cors_add_vary(ngx_http_request_t *r,
    corsgate_decision *decision, ngx_str_t *vary);
static ngx_inline void ngx_http_cors_set_header(ngx_table_elt_t *h,
    corsgate_header *header);
static ngx_int_t ngx_http_cors_append_vary(ngx_http_request_t *r,
    ngx_str_t *existing, corsgate_header *header);
static ngx_uint_t ngx_http_cors_list_has(ngx_str_t *list, u_char *token,
    size_t len);

static ngx_int_t ngx_http_cors_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_cors_failure_variable(ngx_http_variable_value_t *v,
    uintptr_t data);

static ngx_int_t ngx_http_cors_filter_init(ngx_conf_t *cf);


static ngx_http_module_t  ngx_http_cors_filter_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_cors_filter_init,             /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_cors_filter_module = {
    NGX_MODULE_V1,
    &ngx_http_cors_filter_module_ctx,      /* module context */
    NULL,                                  /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


#define NGX_HTTP_CORS_VAR_DECISION  0
#define NGX_HTTP_CORS_VAR_REASON    1
#define NGX_HTTP_CORS_VAR_KIND      2

static ngx_http_variable_t  ngx_http_cors_vars[] = {

    { ngx_string("cors_decision"), NULL, ngx_http_cors_variable,
      NGX_HTTP_CORS_VAR_DECISION, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("cors_reason"), NULL, ngx_http_cors_variable,
      NGX_HTTP_CORS_VAR_REASON, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("cors_kind"), NULL, ngx_http_cors_variable,
      NGX_HTTP_CORS_VAR_KIND, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


/* the request fields the engine reads, lower case, with their hashes */

typedef struct {
    ngx_str_t                   name;
    ngx_uint_t                  hash;
} ngx_http_cors_field_t;

#define NGX_HTTP_CORS_ORIGIN        0
#define NGX_HTTP_CORS_ACRM          1
#define NGX_HTTP_CORS_ACRH          2
#define NGX_HTTP_CORS_ACRPN         3

#define NGX_HTTP_CORS_ORIGIN_NAME   "origin"
#define NGX_HTTP_CORS_ACRM_NAME     "access-control-request-method"
#define NGX_HTTP_CORS_ACRH_NAME     "access-control-request-headers"
#define NGX_HTTP_CORS_ACRPN_NAME    "access-control-request-private-network"

/* bit n set: some field name above is n bytes long */
#define NGX_HTTP_CORS_FIELD_LENGTHS                                           \
    ((uint64_t) 1 << (sizeof(NGX_HTTP_CORS_ORIGIN_NAME) - 1)                  \
     | (uint64_t) 1 << (sizeof(NGX_HTTP_CORS_ACRM_NAME) - 1)                  \
     | (uint64_t) 1 << (sizeof(NGX_HTTP_CORS_ACRH_NAME) - 1)                  \
     | (uint64_t) 1 << (sizeof(NGX_HTTP_CORS_ACRPN_NAME) - 1))

/* the hashes are computed once, in ngx_http_cors_init() */
static ngx_http_cors_field_t  ngx_http_cors_fields[] = {
    { ngx_string(NGX_HTTP_CORS_ORIGIN_NAME), 0 },
    { ngx_string(NGX_HTTP_CORS_ACRM_NAME), 0 },
    { ngx_string(NGX_HTTP_CORS_ACRH_NAME), 0 },
    { ngx_string(NGX_HTTP_CORS_ACRPN_NAME), 0 }
};

/*
 * A request header is field f when nginx's hash of its name matches, which
 * rejects nearly every other name of the same length without reading it,
 * and the lower-cased name is the field's.  The name is a literal, so the
 * compiler turns the memcmp() into a few word compares.
 */
#define ngx_http_cors_is_field(header, f, name)                               \
    ((header)->hash == ngx_http_cors_fields[f].hash                           \
     && ngx_memcmp((header)->lowcase_key, name, sizeof(name) - 1) == 0)


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;


/* request processing */

/*
 * The request is being answered by an "error_page": nginx notes the error
 * in err_status (which "error_page ... = ..." resets to 0) and, unless
 * "recursive_error_pages" is on, sets error_page.
 */
#define ngx_http_cors_error_page(r)  ((r)->err_status != 0 || (r)->error_page)


/*
 * Set once the first engine failure of this worker process was logged:
 * a failing engine would otherwise write a line per request.
 */
static ngx_uint_t  ngx_http_cors_failure_logged;


static ngx_int_t
ngx_http_cors_rewrite_handler(ngx_http_request_t *r)
{
    ngx_int_t                   status;
    ngx_http_core_main_conf_t  *cmcf;

    status = ngx_http_cors_preflight_status(r);

    if (status == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (status == 0) {
        return NGX_DECLINED;
    }

    /*
     * A preflight the module answers skips the rest of the location's
     * rewrite phase, so that "return", "rewrite", "if" and "set" (whose
     * handlers run after this one) cannot answer or redirect it first.
     * It is answered in the access phase, so that rate limits and IP
     * rules apply to it like to any other request.  Every handler of a
     * phase has "next" set to the first handler of the next phase.
     */

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_core_module);

    r->phase_handler = cmcf->phase_engine.handlers[r->phase_handler].next - 1;

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_cors_preaccess_handler(ngx_http_request_t *r)
{
    ngx_http_core_loc_conf_t  *clcf;

    /*
     * With "satisfy any", a client that "allow"/"deny" refuses may still
     * pass through "auth_basic" or "auth_request", which a preflight never
     * has to: the IP rules alone refuse no preflight, and once they grant
     * access nginx skips the rest of the access phase, this module's
     * handler included.  Such a location answers preflights here, after
     * "limit_conn" and "limit_req".
     */

    if (r->method != NGX_HTTP_OPTIONS) {
        return NGX_DECLINED;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (clcf->satisfy != NGX_HTTP_SATISFY_ANY) {
        return NGX_DECLINED;
    }

    return ngx_http_cors_answer_preflight(r);
}


static ngx_int_t
ngx_http_cors_access_handler(ngx_http_request_t *r)
{
    /*
     * Runs after "allow"/"deny" (which answered 403 to a client they
     * refuse) and before "auth_basic" and "auth_request".
     */

    return ngx_http_cors_answer_preflight(r);
}


/*
 * The status the module answers this request with when it is a preflight
 * the module answers itself; 0 when the location answers it (not a
 * preflight, a denied preflight the policy forwards, report-only mode, an
 * engine failure), NGX_ERROR when no memory was left.
 */

static ngx_int_t
ngx_http_cors_preflight_status(ngx_http_request_t *r)
{
    ngx_http_cors_ctx_t       *ctx;
    ngx_http_cors_loc_conf_t  *clcf;

    /*
     * Only an OPTIONS request can be a preflight; everything else is
     * decided in the header filter, so that requests that never reach
     * these phases (a server-level "return", a 400) are decided too and
     * each request still costs one evaluation.
     */

    if (r->method != NGX_HTTP_OPTIONS || r != r->main) {
        return 0;
    }

    /*
     * An error page in a named location keeps the method: a preflight
     * that "deny" or "limit_req" refused must not be answered there.
     */

    if (ngx_http_cors_error_page(r)) {
        return 0;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_cors_module);

    if (!clcf->enable || clcf->policy == NULL) {
        return 0;
    }

    ctx = ngx_http_cors_decide(r, clcf);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    if (ctx->failed || ctx->decision.kind != CORSGATE_KIND_PREFLIGHT) {
        return 0;
    }

    return ctx->decision.status;
}


static ngx_int_t
ngx_http_cors_answer_preflight(ngx_http_request_t *r)
{
    ngx_int_t  status;

    status = ngx_http_cors_preflight_status(r);

    if (status == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (status == 0) {
        return NGX_DECLINED;
    }

    /*
     * NGX_OK would tell the phase's checker to go on to the next phase:
     * the request is finalized here, as a content handler's would be, and
     * NGX_DONE stops the phase engine.
     */

    ngx_http_finalize_request(r, ngx_http_cors_send_preflight(r, status));

    return NGX_DONE;
}


static ngx_int_t
ngx_http_cors_send_preflight(ngx_http_request_t *r, ngx_uint_t status)
{
    ngx_int_t  rc;

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    /*
     * An empty response, whatever the status: a denied preflight gets a
     * bare 403 rather than an error page, as the engine describes it.
     * The header filter adds the decision's headers.
     */

    r->headers_out.status = status;
    r->headers_out.content_length_n = 0;
    r->header_only = 1;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK) {
        return rc;
    }

    return ngx_http_send_special(r, NGX_HTTP_LAST);
}


static ngx_int_t
ngx_http_cors_header_filter(ngx_http_request_t *r)
{
    ngx_str_t                 *vary;
    ngx_http_cors_ctx_t       *ctx;
    ngx_http_cors_loc_conf_t  *clcf;

    if (r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_cors_module);

    if (!clcf->enable || clcf->policy == NULL) {
        return ngx_http_next_header_filter(r);
    }

    /*
     * A preflight was decided in the rewrite phase: the decision is found
     * here without calling ngx_http_cors_decide(), which would do the
     * same check after its prologue.
     */

    ctx = ngx_http_get_module_ctx(r, ngx_http_cors_module);

    if (ctx == NULL || ctx->policy != clcf->policy) {
        ctx = ngx_http_cors_decide(r, clcf);
        if (ctx == NULL) {
            return NGX_ERROR;
        }
    }

    /*
     * Without a decision the module fails closed for CORS only: nobody's
     * Access-Control-* headers go out (a browser then refuses the
     * cross-origin read), and the response is otherwise sent as it is.
     */

    if (ctx->failed) {
        (void) ngx_http_cors_scan_response_headers(r);
        return ngx_http_next_header_filter(r);
    }

    /*
     * No headers means report-only mode: the response is left exactly as
     * it is.  Otherwise the engine is authoritative: any Access-Control-*
     * header the application or an upstream set is dropped, so the client
     * never sees two answers that disagree.
     */

    if (ctx->decision.header_count == 0) {
        return ngx_http_next_header_filter(r);
    }

    /* one pass over the response's own headers, before ours are added */

    vary = ngx_http_cors_scan_response_headers(r);

    /*
     * A preflight that is not answered with a 2xx status fails in the
     * browser whatever its headers say.  Such a response (a 403 from
     * "deny", a 503 from "limit_req") gets only the decision's Vary: the
     * client learns nothing about the policy.  So does an error page,
     * whatever its status: it answers a refused request.
     */

    if (ctx->decision.kind == CORSGATE_KIND_PREFLIGHT
        && (r->headers_out.status < NGX_HTTP_OK
            || r->headers_out.status >= NGX_HTTP_SPECIAL_RESPONSE
            || ngx_http_cors_error_page(r)))
    {
        if (ngx_http_cors_add_vary(r, &ctx->decision, vary) != NGX_OK) {
            return NGX_ERROR;
        }

        return ngx_http_next_header_filter(r);
    }

    if (ngx_http_cors_add_headers(r, &ctx->decision, vary) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_next_header_filter(r);
}


static ngx_http_cors_ctx_t *
ngx_http_cors_decide(ngx_http_request_t *r, ngx_http_cors_loc_conf_t *clcf)
{
    size_t                acrh_count, len;
    corsgate_view         view;
    corsgate_field       *field;
    corsgate_result       rc;
    ngx_list_part_t      *part;
    ngx_table_elt_t      *header, *last;
    ngx_http_cors_ctx_t  *ctx;

    corsgate_slice        acrh[NGX_HTTP_CORS_ACRH_SLOTS];
    corsgate_slice        name;

    ctx = ngx_http_get_module_ctx(r, ngx_http_cors_module);

    /*
     * A decision stays valid while the request is served under the same
     * policy; "rewrite ... last" into a location with another policy
     * decides again.  (An internal redirect clears the context itself.)
     */

    if (ctx != NULL && ctx->policy == clcf->policy) {
        return ctx;
    }

    if (ctx == NULL) {
        ctx = ngx_palloc(r->pool, sizeof(ngx_http_cors_ctx_t));
        if (ctx == NULL) {
            return NULL;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_cors_module);
    }

    /* a field's value is only read when its state says it is present */

    view.origin.state = CORSGATE_FIELD_STATE_ABSENT;
    view.request_method.state = CORSGATE_FIELD_STATE_ABSENT;
    view.request_private_network.state = CORSGATE_FIELD_STATE_ABSENT;

    view.method.ptr = r->method_name.data;
    view.method.len = r->method_name.len;

    acrh_count = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {

        header = part->elts;
        last = header + part->nelts;

        for ( /* void */ ; header < last; header++) {

            /*
             * One bit test rejects every name whose length no CORS field
             * has (a name of 64 bytes or more is tested modulo 64 and
             * rejected by the switch); the length then picks the only
             * field a name could be.  nginx's parsers (HTTP/1.x, 2 and 3)
             * hash the lower-cased name like ngx_hash_key(); a module
             * that adds request headers must do the same for nginx's own
             * lookups of known headers to find them.
             */

            len = header->key.len;

            if ((NGX_HTTP_CORS_FIELD_LENGTHS & (uint64_t) 1 << (len & 63))
                == 0)
            {
                continue;
            }

            switch (len) {

            case sizeof(NGX_HTTP_CORS_ORIGIN_NAME) - 1:
                if (!ngx_http_cors_is_field(header, NGX_HTTP_CORS_ORIGIN,
                                            NGX_HTTP_CORS_ORIGIN_NAME))
                {
                    continue;
                }

                field = &view.origin;
                break;

            case sizeof(NGX_HTTP_CORS_ACRM_NAME) - 1:
                if (!ngx_http_cors_is_field(header, NGX_HTTP_CORS_ACRM,
                                            NGX_HTTP_CORS_ACRM_NAME))
                {
                    continue;
                }

                field = &view.request_method;
                break;

            case sizeof(NGX_HTTP_CORS_ACRH_NAME) - 1:
                if (ngx_http_cors_is_field(header, NGX_HTTP_CORS_ACRH,
                                           NGX_HTTP_CORS_ACRH_NAME)
                    && acrh_count < NGX_HTTP_CORS_ACRH_SLOTS)
                {
                    acrh[acrh_count].ptr = header->value.data;
                    acrh[acrh_count].len = header->value.len;
                    acrh_count++;
                }

                continue;

            case sizeof(NGX_HTTP_CORS_ACRPN_NAME) - 1:
                if (!ngx_http_cors_is_field(header, NGX_HTTP_CORS_ACRPN,
                                            NGX_HTTP_CORS_ACRPN_NAME))
                {
                    continue;
                }

                field = &view.request_private_network;
                break;

            default:
                continue;
            }

            if (field->state == CORSGATE_FIELD_STATE_ABSENT) {
                field->state = CORSGATE_FIELD_STATE_ONE;
                field->value.ptr = header->value.data;
                field->value.len = header->value.len;

            } else {
                field->state = CORSGATE_FIELD_STATE_REPEATED;
            }
        }
    }

    view.request_headers = acrh;
    view.request_headers_count = acrh_count;

#if defined(CORSGATE_TEST_PANIC)

    /*
     * Test builds only (bindings/nginx/build-test-panic.sh, against a
     * library built with the "test-panic" feature): a request from this
     * origin makes the engine call panic inside the library's panic
     * boundary, so that the tests exercise the real failure path below.
     */

    if (view.origin.state == CORSGATE_FIELD_STATE_ONE
        && view.origin.value.len == sizeof(NGX_HTTP_CORS_TEST_PANIC_ORIGIN) - 1
        && ngx_memcmp(view.origin.value.ptr, NGX_HTTP_CORS_TEST_PANIC_ORIGIN,
                      sizeof(NGX_HTTP_CORS_TEST_PANIC_ORIGIN) - 1)
           == 0)
    {
        rc = corsgate_test_panic();

    } else
#endif

    rc = corsgate_evaluate_view(clcf->policy, &view, &ctx->decision);

    ctx->policy = clcf->policy;
    ctx->failed = (rc != CORSGATE_RESULT_OK);

    if (ctx->failed && !ngx_http_cors_failure_logged) {
        ngx_http_cors_failure_logged = 1;

        name = corsgate_result_str(rc);

        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "cors: corsgate_evaluate_view() failed (%*s, %ui): "
                      "responses are sent without CORS headers while it "
                      "fails; logged once per worker process, "
                      "$cors_reason says \"engine_error\"",
                      name.len, name.ptr, (ngx_uint_t) rc);
    }

    return ctx;
}


/*
 * Drops every Access-Control-* header the application or an upstream set
 * (a zero hash is how nginx marks an output header deleted) and returns
 * the value of the response's own Vary, if it has one, so that the
 * engine's Vary is appended to it rather than sent twice.
 */

static ngx_str_t *
ngx_http_cors_scan_response_headers(ngx_http_request_t *r)
{
    ngx_str_t        *vary;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *header, *last;

    vary = NULL;

    for (part = &r->headers_out.headers.part; part; part = part->next) {

        header = part->elts;
        last = header + part->nelts;

        for ( /* void */ ; header < last; header++) {

            if (header->hash == 0) {
                continue;
            }

            if (header->key.len == sizeof("Vary") - 1) {
                if (vary == NULL
                    && ngx_strncasecmp(header->key.data, (u_char *) "Vary",
                                       sizeof("Vary") - 1)
                       == 0)
                {
                    vary = &header->value;
                }

                continue;
            }

            if (header->key.len >= sizeof("Access-Control-") - 1
                && ngx_strncasecmp(header->key.data,
                                   (u_char *) "Access-Control-",
                                   sizeof("Access-Control-") - 1)
                   == 0)
            {
                header->hash = 0;
            }
        }
    }

    return vary;
}


static ngx_int_t
ngx_http_cors_add_headers(ngx_http_request_t *r, corsgate_decision *decision,
    ngx_str_t *vary)
{
    ngx_list_t       *list;
    ngx_table_elt_t  *h;
    corsgate_header  *header, *end;

    list = &r->headers_out.headers;
    header = decision->headers;
    end = header + decision->header_count;

    /*
     * Usually the response has no Vary of its own and the decision's
     * headers fit in what is left of the list's last part (nginx makes
     * room for 20 response headers at first): they are then written there
     * directly and counted once, which saves a call to ngx_list_push() per
     * header.
     */

    if (vary == NULL
        && list->nalloc - list->last->nelts >= decision->header_count)
    {
        h = (ngx_table_elt_t *) list->last->elts + list->last->nelts;
        list->last->nelts += decision->header_count;

        for ( /* void */ ; header < end; header++) {
            ngx_http_cors_set_header(h++, header);
        }

        return NGX_OK;
    }

    for ( /* void */ ; header < end; header++) {

        /* the engine spells its header names exactly as corsgate.h does */

        if (vary != NULL
            && header->name.len == sizeof("Vary") - 1
            && ngx_memcmp(header->name.ptr, "Vary", sizeof("Vary") - 1) == 0)
        {
            if (ngx_http_cors_append_vary(r, vary, header) != NGX_OK) {
                return NGX_ERROR;
            }

            continue;
        }

        h = ngx_list_push(list);
        if (h == NULL) {
            return NGX_ERROR;
        }

        ngx_http_cors_set_header(h, header);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_cors_add_vary(ngx_http_request_t *r, corsgate_decision *decision,
    ngx_str_t *vary)
{
    ngx_table_elt_t  *h;
    corsgate_header  *header, *end;

    header = decision->headers;
    end = header + decision->header_count;

    for ( /* void */ ; header < end; header++) {

        if (header->name.len != sizeof("Vary") - 1
            || ngx_memcmp(header->name.ptr, "Vary", sizeof("Vary") - 1) != 0)
        {
            continue;
        }

        if (vary != NULL) {
            return ngx_http_cors_append_vary(r, vary, header);
        }

        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        ngx_http_cors_set_header(h, header);

        return NGX_OK;
    }

    return NGX_OK;
}


static ngx_inline void
ngx_http_cors_set_header(ngx_table_elt_t *h, corsgate_header *header)
{
    /*
     * Names are static data of the engine; values point into the policy,
     * which outlives every request of its cycle, or into this request's
     * header buffers.  Neither is copied.
     */

    h->hash = 1;
    h->key.len = header->name.len;
    h->key.data = (u_char *) header->name.ptr;
    h->value.len = header->value.len;
    h->value.data = (u_char *) header->value.ptr;
    h->lowcase_key = NULL;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
}


static ngx_int_t
ngx_http_cors_append_vary(ngx_http_request_t *r, ngx_str_t *existing,
    corsgate_header *header)
{
    u_char      *p, *token, *end;
    size_t       len;
    ngx_uint_t   i;

    if (existing->len == 1 && existing->data[0] == '*') {
        /* "Vary: *" already covers every field */
        return NGX_OK;
    }

    /*
     * Append the engine's field names to the response's own Vary, skipping
     * the ones it already lists: the application's variance is kept and
     * nothing is listed twice.
     */

    p = ngx_pnalloc(r->pool, existing->len + 2 + header->value.len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    len = existing->len;
    ngx_memcpy(p, existing->data, len);

    token = (u_char *) header->value.ptr;
    end = token + header->value.len;

    while (token < end) {

        while (token < end && (*token == ',' || *token == ' ')) {
            token++;
        }

        for (i = 0; token + i < end && token[i] != ','; i++) {
            /* void */
        }

        while (i > 0 && token[i - 1] == ' ') {
            i--;
        }

        if (i > 0 && !ngx_http_cors_list_has(existing, token, i)) {
            if (len > 0) {
                p[len++] = ',';
                p[len++] = ' ';
            }

            ngx_memcpy(p + len, token, i);
            len += i;
        }

        token += i;
    }

    existing->data = p;
    existing->len = len;

    return NGX_OK;
}


static ngx_uint_t
ngx_http_cors_list_has(ngx_str_t *list, u_char *token, size_t len)
{
    u_char  *p, *end, *start;

    p = list->data;
    end = p + list->len;

    while (p < end) {

        while (p < end && (*p == ',' || *p == ' ' || *p == '\t')) {
            p++;
        }

        start = p;

        while (p < end && *p != ',' && *p != ' ' && *p != '\t') {
            p++;
        }

        if ((size_t) (p - start) == len
            && ngx_strncasecmp(start, token, len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


static ngx_int_t
ngx_http_cors_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    ngx_str_t                  s;
    corsgate_slice             name;
    ngx_http_cors_ctx_t       *ctx;
    ngx_http_cors_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_cors_module);

    if (r != r->main || !clcf->enable || clcf->policy == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    ctx = ngx_http_cors_decide(r, clcf);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    if (ctx->failed) {
        return ngx_http_cors_failure_variable(v, data);
    }

    switch (data) {

    case NGX_HTTP_CORS_VAR_DECISION:
        if (ctx->decision.kind == CORSGATE_KIND_NOT_CORS) {
            ngx_str_set(&s, "not_cors");

        } else if (ctx->decision.allowed) {
            ngx_str_set(&s, "allowed");

        } else {
            ngx_str_set(&s, "denied");
        }

        break;

    case NGX_HTTP_CORS_VAR_REASON:
        name = corsgate_reason_str(ctx->decision.reason);
        s.len = name.len;
        s.data = (u_char *) name.ptr;
        break;

    default: /* NGX_HTTP_CORS_VAR_KIND */
        name = corsgate_kind_str(ctx->decision.kind);
        s.len = name.len;
        s.data = (u_char *) name.ptr;
        break;
    }

    /* the names are static data of the engine */

    v->len = s.len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->data = s.data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_cors_failure_variable(ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t  s;

    /*
     * The engine's own names cannot describe its failure: the module's
     * are "error" and "engine_error", and the kind is unknown.
     */

    switch (data) {

    case NGX_HTTP_CORS_VAR_DECISION:
        ngx_str_set(&s, "error");
        break;

    case NGX_HTTP_CORS_VAR_REASON:
        ngx_str_set(&s, "engine_error");
        break;

    default: /* NGX_HTTP_CORS_VAR_KIND */
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = s.len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->data = s.data;

    return NGX_OK;
}


/* module initialisation */

ngx_int_t
ngx_http_cors_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_cors_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_cors_init(ngx_conf_t *cf)
{
    ngx_uint_t                  i;
    ngx_http_handler_pt        *h;
    ngx_http_cors_loc_conf_t   *clcf;
    ngx_http_core_main_conf_t  *cmcf;

    /* the hash nginx's parsers store with every request header */

    for (i = 0; i < sizeof(ngx_http_cors_fields)
                    / sizeof(ngx_http_cors_field_t); i++)
    {
        ngx_http_cors_fields[i].hash =
                             ngx_hash_key(ngx_http_cors_fields[i].name.data,
                                          ngx_http_cors_fields[i].name.len);
    }

    /* an http-level policy no server inherits is still checked */

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_cors_module);

    if (clcf->defines_policy && ngx_http_cors_compile(cf, clcf) != NGX_OK) {
        return NGX_ERROR;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    /*
     * Handlers of one phase run in reverse order of registration, and
     * modules register in the order of nginx's module list, where "config"
     * puts this module just before ngx_http_access_module and after the
     * auth modules: the preaccess handler runs after "limit_conn" and
     * "limit_req", the access handler after "allow"/"deny" and before
     * "auth_basic" and "auth_request".
     */

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PREACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_cors_preaccess_handler;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_cors_access_handler;

    return NGX_OK;
}


static ngx_int_t
ngx_http_cors_filter_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    /*
     * This module comes after the rewrite module in nginx's module list:
     * its rewrite handler runs before the location's "rewrite", "return"
     * and "if".
     */

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_REWRITE_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_cors_rewrite_handler;

    /*
     * Header filters run in reverse order of the module list, where
     * "config" puts this module just before ngx_http_headers_filter_module:
     * the filter sees the response after "add_header", "expires" and the
     * third-party header filters placed after it ("more_set_headers"), and
     * before nginx's range, chunked and header-writing filters.
     */

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_cors_header_filter;

    return NGX_OK;
}
