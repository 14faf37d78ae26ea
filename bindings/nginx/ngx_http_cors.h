
/*
 * What the two halves of ngx_http_cors_module share: the configuration
 * (ngx_http_cors_conf.c) and the request path (ngx_http_cors_module.c).
 */


#ifndef _NGX_HTTP_CORS_H_INCLUDED_
#define _NGX_HTTP_CORS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <corsgate.h>


/*
 * A function one half calls in the other is kept out of the dynamic
 * module's symbol table, which holds only what nginx looks up.
 */
#if defined(__GNUC__)
#define NGX_HTTP_CORS_INTERNAL  __attribute__((visibility("hidden")))
#else
#define NGX_HTTP_CORS_INTERNAL
#endif


typedef struct {
    /* cors on|off */
    ngx_flag_t                  enable;

    /* the compiled policy of this level or inherited; NULL when none */
    const corsgate_policy      *policy;

    /*
     * The policy source given at this level.  A level that sets any of
     * these defines its own complete policy: nothing is merged from the
     * enclosing level.
     */
    ngx_uint_t                  defines_policy;
    ngx_uint_t                  compiled;
    ngx_str_t                   source_file;
    ngx_uint_t                  source_line;

    ngx_str_t                   policy_file;
    ngx_array_t                *origins;
    ngx_array_t                *methods;
    ngx_array_t                *request_headers;
    ngx_array_t                *expose_headers;
    ngx_flag_t                  credentials;
    time_t                      max_age;
    ngx_flag_t                  private_network;
    ngx_int_t                   preflight_status;
    ngx_uint_t                  denied_preflight;
    ngx_uint_t                  mode;

    /* where "cors on" was written, for the "no policy" error */
    ngx_str_t                   enable_file;
    ngx_uint_t                  enable_line;
} ngx_http_cors_loc_conf_t;


/* ngx_http_cors_conf.c */

NGX_HTTP_CORS_INTERNAL ngx_int_t ngx_http_cors_compile(ngx_conf_t *cf,
    ngx_http_cors_loc_conf_t *clcf);


/* ngx_http_cors_module.c */

NGX_HTTP_CORS_INTERNAL ngx_int_t ngx_http_cors_add_variables(ngx_conf_t *cf);
NGX_HTTP_CORS_INTERNAL ngx_int_t ngx_http_cors_init(ngx_conf_t *cf);


extern ngx_module_t  ngx_http_cors_module;


#endif /* _NGX_HTTP_CORS_H_INCLUDED_ */
