
/*
 * ngx_http_cors_module, configuration half: the directives, how a level
 * (http, server, location) gets its policy, and the compilation of each
 * policy by corsgate while nginx reads its configuration, so that an
 * invalid policy fails "nginx -t".  The request path is in
 * ngx_http_cors_module.c.
 */


#include "ngx_http_cors.h"


/* a policy file larger than this is refused rather than read */
#define NGX_HTTP_CORS_MAX_POLICY_FILE  (1024 * 1024)


typedef char *(*ngx_http_cors_slot_pt)(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


static char *ngx_http_cors_enable(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_cors_policy_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_cors_list(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_cors_set_flag(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_cors_set_sec(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_cors_set_num(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_cors_set_enum(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_cors_setting(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf, ngx_http_cors_slot_pt set);
static void ngx_http_cors_note_source(ngx_conf_t *cf,
    ngx_http_cors_loc_conf_t *clcf);

static const corsgate_policy *ngx_http_cors_load_file(ngx_conf_t *cf,
    ngx_http_cors_loc_conf_t *clcf, corsgate_errors **errors);
static const corsgate_policy *ngx_http_cors_build_inline(ngx_conf_t *cf,
    ngx_http_cors_loc_conf_t *clcf, corsgate_errors **errors);
static ngx_int_t ngx_http_cors_builder_add(corsgate_builder *builder,
    ngx_array_t *list, corsgate_result (*add)(corsgate_builder *b,
    const uint8_t *ptr, size_t len));
static void ngx_http_cors_log_errors(ngx_conf_t *cf,
    ngx_http_cors_loc_conf_t *clcf, corsgate_errors *errors);
static void ngx_http_cors_policy_cleanup(void *data);

static void *ngx_http_cors_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_cors_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);


#define NGX_HTTP_CORS_DENIED_REJECT   0
#define NGX_HTTP_CORS_DENIED_FORWARD  1

static ngx_conf_enum_t  ngx_http_cors_denied_preflight[] = {
    { ngx_string("reject"), NGX_HTTP_CORS_DENIED_REJECT },
    { ngx_string("forward"), NGX_HTTP_CORS_DENIED_FORWARD },
    { ngx_null_string, 0 }
};


#define NGX_HTTP_CORS_MODE_ENFORCE      0
#define NGX_HTTP_CORS_MODE_REPORT_ONLY  1

static ngx_conf_enum_t  ngx_http_cors_mode[] = {
    { ngx_string("enforce"), NGX_HTTP_CORS_MODE_ENFORCE },
    { ngx_string("report-only"), NGX_HTTP_CORS_MODE_REPORT_ONLY },
    { ngx_null_string, 0 }
};


/*
 * Scalar policy directives go through thin wrappers of the stock slots,
 * which also note where the level's policy was defined.
 */

static ngx_command_t  ngx_http_cors_commands[] = {

    { ngx_string("cors"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_http_cors_enable,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cors_loc_conf_t, enable),
      NULL },

    { ngx_string("cors_policy"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_cors_policy_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cors_allow_origins"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_cors_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cors_loc_conf_t, origins),
      NULL },

    { ngx_string("cors_allow_methods"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_cors_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cors_loc_conf_t, methods),
      NULL },

    { ngx_string("cors_allow_headers"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_cors_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cors_loc_conf_t, request_headers),
      NULL },

    { ngx_string("cors_expose_headers"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_cors_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cors_loc_conf_t, expose_headers),
      NULL },

    { ngx_string("cors_allow_credentials"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_http_cors_set_flag,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cors_loc_conf_t, credentials),
      NULL },

    { ngx_string("cors_max_age"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_cors_set_sec,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cors_loc_conf_t, max_age),
      NULL },

    { ngx_string("cors_allow_private_network"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_http_cors_set_flag,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cors_loc_conf_t, private_network),
      NULL },

    { ngx_string("cors_preflight_status"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_cors_set_num,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cors_loc_conf_t, preflight_status),
      NULL },

    { ngx_string("cors_denied_preflight"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_cors_set_enum,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cors_loc_conf_t, denied_preflight),
      &ngx_http_cors_denied_preflight },

    { ngx_string("cors_mode"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_cors_set_enum,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cors_loc_conf_t, mode),
      &ngx_http_cors_mode },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_cors_module_ctx = {
    ngx_http_cors_add_variables,           /* preconfiguration */
    ngx_http_cors_init,                    /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_cors_create_loc_conf,         /* create location configuration */
    ngx_http_cors_merge_loc_conf           /* merge location configuration */
};


ngx_module_t  ngx_http_cors_module = {
    NGX_MODULE_V1,
    &ngx_http_cors_module_ctx,             /* module context */
    ngx_http_cors_commands,                /* module directives */
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


/* directives */

static char *
ngx_http_cors_enable(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_cors_loc_conf_t *clcf = conf;

    char  *rv;

    rv = ngx_conf_set_flag_slot(cf, cmd, conf);

    if (rv == NGX_CONF_OK) {
        clcf->enable_file = cf->conf_file->file.name;
        clcf->enable_line = cf->conf_file->line;
    }

    return rv;
}


static char *
ngx_http_cors_policy_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_cors_loc_conf_t *clcf = conf;

    ngx_str_t  *value;

    if (clcf->policy_file.data != NULL) {
        return "is duplicate";
    }

    if (clcf->defines_policy) {
        return "cannot be combined with inline \"cors_*\" policy directives "
               "at the same level";
    }

    value = cf->args->elts;

    clcf->policy_file = value[1];

    if (ngx_conf_full_name(cf->cycle, &clcf->policy_file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_http_cors_note_source(cf, clcf);

    return NGX_CONF_OK;
}


static char *
ngx_http_cors_list(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t     *value, *s;
    ngx_uint_t     i;
    ngx_array_t  **a;

    if (((ngx_http_cors_loc_conf_t *) conf)->policy_file.data != NULL) {
        return "cannot be combined with \"cors_policy\" at the same level";
    }

    a = (ngx_array_t **) (p + cmd->offset);

    if (*a == NULL) {
        *a = ngx_array_create(cf->pool, cf->args->nelts - 1,
                              sizeof(ngx_str_t));
        if (*a == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    /* repeating a list directive extends the list */

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        s = ngx_array_push(*a);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        *s = value[i];
    }

    ngx_http_cors_note_source(cf, conf);

    return NGX_CONF_OK;
}


static char *
ngx_http_cors_set_flag(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return ngx_http_cors_setting(cf, cmd, conf, ngx_conf_set_flag_slot);
}


static char *
ngx_http_cors_set_sec(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return ngx_http_cors_setting(cf, cmd, conf, ngx_conf_set_sec_slot);
}


static char *
ngx_http_cors_set_num(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return ngx_http_cors_setting(cf, cmd, conf, ngx_conf_set_num_slot);
}


static char *
ngx_http_cors_set_enum(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return ngx_http_cors_setting(cf, cmd, conf, ngx_conf_set_enum_slot);
}


static char *
ngx_http_cors_setting(ngx_conf_t *cf, ngx_command_t *cmd, void *conf,
    ngx_http_cors_slot_pt set)
{
    char  *rv;

    if (((ngx_http_cors_loc_conf_t *) conf)->policy_file.data != NULL) {
        return "cannot be combined with \"cors_policy\" at the same level";
    }

    rv = set(cf, cmd, conf);

    if (rv == NGX_CONF_OK) {
        ngx_http_cors_note_source(cf, conf);
    }

    return rv;
}


static void
ngx_http_cors_note_source(ngx_conf_t *cf, ngx_http_cors_loc_conf_t *clcf)
{
    /* errors of the policy are reported at its first directive */

    if (!clcf->defines_policy) {
        clcf->defines_policy = 1;
        clcf->source_file = cf->conf_file->file.name;
        clcf->source_line = cf->conf_file->line;
    }
}


/* policy compilation */

ngx_int_t
ngx_http_cors_compile(ngx_conf_t *cf, ngx_http_cors_loc_conf_t *clcf)
{
    corsgate_errors     *errors;
    ngx_pool_cleanup_t  *cln;

    if (clcf->compiled) {
        return clcf->policy != NULL ? NGX_OK : NGX_ERROR;
    }

    clcf->compiled = 1;
    errors = NULL;

    /*
     * The cleanup is registered first, so that no policy can be built
     * without one: the policy lives exactly as long as the configuration
     * cycle that uses it, and a reload releases the old cycle's policies.
     */

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    if (clcf->policy_file.data != NULL) {
        clcf->policy = ngx_http_cors_load_file(cf, clcf, &errors);

    } else {
        clcf->policy = ngx_http_cors_build_inline(cf, clcf, &errors);
    }

    if (clcf->policy == NULL) {
        if (errors != NULL) {
            ngx_http_cors_log_errors(cf, clcf, errors);
            corsgate_errors_free(errors);
        }

        return NGX_ERROR;
    }

    cln->handler = ngx_http_cors_policy_cleanup;
    cln->data = (void *) clcf->policy;

    return NGX_OK;
}


static const corsgate_policy *
ngx_http_cors_load_file(ngx_conf_t *cf, ngx_http_cors_loc_conf_t *clcf,
    corsgate_errors **errors)
{
    u_char                 *buf;
    off_t                   size;
    ssize_t                 n;
    ngx_fd_t                fd;
    ngx_file_t              file;
    ngx_file_info_t         fi;
    corsgate_result         rc;
    const corsgate_policy  *policy;

    fd = ngx_open_file(clcf->policy_file.data, NGX_FILE_RDONLY,
                       NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, ngx_errno,
                      ngx_open_file_n " \"%V\" failed in %V:%ui",
                      &clcf->policy_file, &clcf->source_file,
                      clcf->source_line);
        return NULL;
    }

    policy = NULL;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, ngx_errno,
                      ngx_fd_info_n " \"%V\" failed in %V:%ui",
                      &clcf->policy_file, &clcf->source_file,
                      clcf->source_line);
        goto done;
    }

    size = ngx_file_size(&fi);

    if (size > NGX_HTTP_CORS_MAX_POLICY_FILE) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "cors policy \"%V\" is larger than %d bytes in %V:%ui",
                      &clcf->policy_file, NGX_HTTP_CORS_MAX_POLICY_FILE,
                      &clcf->source_file, clcf->source_line);
        goto done;
    }

    buf = ngx_pnalloc(cf->temp_pool, (size_t) size + 1);
    if (buf == NULL) {
        goto done;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.fd = fd;
    file.name = clcf->policy_file;
    file.log = cf->log;

    n = ngx_read_file(&file, buf, (size_t) size, 0);

    if (n == NGX_ERROR) {
        goto done;
    }

    if (n != size) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      ngx_read_file_n " \"%V\" returned only %z bytes "
                      "instead of %O in %V:%ui", &clcf->policy_file, n, size,
                      &clcf->source_file, clcf->source_line);
        goto done;
    }

    rc = corsgate_policy_from_toml(buf, (size_t) n, &policy, errors);

    if (rc != CORSGATE_RESULT_OK) {
        policy = NULL;

        if (*errors == NULL) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "cors policy \"%V\": corsgate_policy_from_toml() "
                          "failed (%ui) in %V:%ui", &clcf->policy_file,
                          (ngx_uint_t) rc, &clcf->source_file,
                          clcf->source_line);
        }
    }

done:

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, cf->log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", &clcf->policy_file);
    }

    return policy;
}


static const corsgate_policy *
ngx_http_cors_build_inline(ngx_conf_t *cf, ngx_http_cors_loc_conf_t *clcf,
    corsgate_errors **errors)
{
    corsgate_result         rc;
    corsgate_builder       *b;
    const corsgate_policy  *policy;

    b = NULL;

    if (corsgate_builder_new(&b) != CORSGATE_RESULT_OK) {
        return NULL;
    }

    rc = CORSGATE_RESULT_OK;

    if (ngx_http_cors_builder_add(b, clcf->origins,
                                  corsgate_builder_add_origin)
        != NGX_OK
        || ngx_http_cors_builder_add(b, clcf->methods,
                                     corsgate_builder_add_method)
           != NGX_OK
        || ngx_http_cors_builder_add(b, clcf->request_headers,
                                     corsgate_builder_add_request_header)
           != NGX_OK
        || ngx_http_cors_builder_add(b, clcf->expose_headers,
                                     corsgate_builder_add_expose_header)
           != NGX_OK)
    {
        rc = CORSGATE_RESULT_INVALID_ARGUMENT;
    }

    /* unset settings keep the engine's defaults */

    if (rc == CORSGATE_RESULT_OK && clcf->credentials != NGX_CONF_UNSET) {
        rc = corsgate_builder_set_credentials(b, clcf->credentials != 0);
    }

    if (rc == CORSGATE_RESULT_OK && clcf->max_age != NGX_CONF_UNSET) {
        rc = corsgate_builder_set_max_age(b, (int64_t) clcf->max_age);
    }

    if (rc == CORSGATE_RESULT_OK && clcf->private_network != NGX_CONF_UNSET) {
        rc = corsgate_builder_set_private_network(b,
                                                  clcf->private_network != 0);
    }

    if (rc == CORSGATE_RESULT_OK && clcf->preflight_status != NGX_CONF_UNSET)
    {
        rc = corsgate_builder_set_preflight_status(b,
                                            (int64_t) clcf->preflight_status);
    }

    if (rc == CORSGATE_RESULT_OK
        && clcf->denied_preflight != NGX_CONF_UNSET_UINT)
    {
        rc = corsgate_builder_set_denied_preflight(b,
                 clcf->denied_preflight == NGX_HTTP_CORS_DENIED_FORWARD
                 ? CORSGATE_DENIED_PREFLIGHT_FORWARD
                 : CORSGATE_DENIED_PREFLIGHT_REJECT);
    }

    if (rc == CORSGATE_RESULT_OK && clcf->mode != NGX_CONF_UNSET_UINT) {
        rc = corsgate_builder_set_mode(b,
                 clcf->mode == NGX_HTTP_CORS_MODE_REPORT_ONLY
                 ? CORSGATE_MODE_REPORT_ONLY : CORSGATE_MODE_ENFORCE);
    }

    if (rc != CORSGATE_RESULT_OK) {
        corsgate_builder_free(b);

        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "cors policy: a value is not valid UTF-8 or not "
                      "accepted by corsgate (%ui) in %V:%ui", (ngx_uint_t) rc,
                      &clcf->source_file, clcf->source_line);
        return NULL;
    }

    policy = NULL;

    /* the builder is consumed, whatever the outcome */

    rc = corsgate_builder_build(b, &policy, errors);

    if (rc != CORSGATE_RESULT_OK) {
        if (*errors == NULL) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "cors policy: corsgate_builder_build() failed (%ui) "
                          "in %V:%ui", (ngx_uint_t) rc, &clcf->source_file,
                          clcf->source_line);
        }

        return NULL;
    }

    return policy;
}


static ngx_int_t
ngx_http_cors_builder_add(corsgate_builder *builder, ngx_array_t *list,
    corsgate_result (*add)(corsgate_builder *b, const uint8_t *ptr,
    size_t len))
{
    ngx_str_t   *s;
    ngx_uint_t   i;

    if (list == NULL) {
        return NGX_OK;
    }

    s = list->elts;

    for (i = 0; i < list->nelts; i++) {
        if (add(builder, s[i].data, s[i].len) != CORSGATE_RESULT_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static void
ngx_http_cors_log_errors(ngx_conf_t *cf, ngx_http_cors_loc_conf_t *clcf,
    corsgate_errors *errors)
{
    size_t                 i, n;
    ngx_str_t              what;
    corsgate_build_error   e;

    if (clcf->policy_file.data != NULL) {
        what = clcf->policy_file;

    } else {
        ngx_str_set(&what, "(inline)");
    }

    n = corsgate_errors_len(errors);

    for (i = 0; i < n; i++) {
        if (corsgate_errors_get(errors, i, &e) != CORSGATE_RESULT_OK) {
            break;
        }

        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "cors policy %V: %*s: %*s (\"%*s\") in %V:%ui", &what,
                      e.kind_name.len, e.kind_name.ptr,
                      e.message.len, e.message.ptr,
                      e.value.len, e.value.ptr,
                      &clcf->source_file, clcf->source_line);
    }
}


static void
ngx_http_cors_policy_cleanup(void *data)
{
    corsgate_policy_free((corsgate_policy *) data);
}


/* configuration */

static void *
ngx_http_cors_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_cors_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_cors_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->policy = NULL;
     *     conf->defines_policy = 0;
     *     conf->compiled = 0;
     *     conf->source_file = { 0, NULL };
     *     conf->policy_file = { 0, NULL };
     *     conf->origins = NULL;
     *     conf->methods = NULL;
     *     conf->request_headers = NULL;
     *     conf->expose_headers = NULL;
     *     conf->enable_file = { 0, NULL };
     */

    conf->enable = NGX_CONF_UNSET;
    conf->credentials = NGX_CONF_UNSET;
    conf->max_age = NGX_CONF_UNSET;
    conf->private_network = NGX_CONF_UNSET;
    conf->preflight_status = NGX_CONF_UNSET;
    conf->denied_preflight = NGX_CONF_UNSET_UINT;
    conf->mode = NGX_CONF_UNSET_UINT;

    return conf;
}


static char *
ngx_http_cors_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_cors_loc_conf_t *prev = parent;
    ngx_http_cors_loc_conf_t *conf = child;

    /*
     * The policy is all or nothing per level: a level with its own policy
     * directives compiles them alone, a level without any inherits the
     * enclosing level's compiled policy (the same object).  Settings are
     * never merged key by key, so a location can never end up with a
     * policy more permissive than what was written for it.
     */

    if (conf->defines_policy) {
        if (ngx_http_cors_compile(cf, conf) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

    } else {
        /* the http level is never merged as a child: compile it here */

        if (prev->defines_policy && ngx_http_cors_compile(cf, prev) != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

        conf->policy = prev->policy;
        conf->source_file = prev->source_file;
        conf->source_line = prev->source_line;
    }

    /*
     * A level that writes a policy means it: unless it says "cors off",
     * CORS is on there.  Elsewhere "cors" is inherited, and where it was
     * never written it follows whether a policy applies.
     */

    if (conf->enable == NGX_CONF_UNSET) {
        if (conf->defines_policy) {
            conf->enable = 1;

        } else {
            conf->enable = prev->enable;
            conf->enable_file = prev->enable_file;
            conf->enable_line = prev->enable_line;
        }
    }

    if (conf->enable == NGX_CONF_UNSET) {
        conf->enable = (conf->policy != NULL);
    }

    if (conf->enable && conf->policy == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"cors on\" without a policy: add \"cors_policy\" or "
                      "\"cors_allow_origins\" at this level or above "
                      "in %V:%ui", &conf->enable_file, conf->enable_line);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
