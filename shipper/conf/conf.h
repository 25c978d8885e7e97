/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration: one table of options drives the command line, --help and the man-page
 * check. Adding an option is one row in conf.c plus its field here. */
#ifndef PROCSHIP_CONF_H
#define PROCSHIP_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CONF_LIST_MAX 32

struct conf_list {
	const char *v[CONF_LIST_MAX];
	size_t n;
};

struct conf {
	bool udp_output_enabled;
	struct conf_list udp_output_address; /* each may hold a comma list */
	long udp_output_port;
	long udp_buffer_size;
	long udp_local_port;
	long udp_reconnect_interval;
	long max_message_size;
	int syslog_format;   /* enum framing_format */
	int syslog_facility; /* 0..23 */
	int syslog_severity; /* 0..7 */
	const char *syslog_app_name;
	const char *hostname; /* "" = the node name */
	bool cee_cookie;
	int syslog_timestamp; /* enum framing_3164_time */
	bool syslog_meta;
	int log_level; /* enum log_level */
	long ringbuf_size;
	long ringbuf_poll_us;
	long nice;
	long realtime_priority;
	const char *config_file;
	long export_rate_limit;
	long export_rate_limit_per_uid;
	const char *export_filename;
	long export_file_max_size_mb;
	long export_file_max_backups;
	bool export_file_compress;
	const char *export_allowlist;
	const char *export_denylist;
	bool enable_pid_set_filter;
	const char *metrics_file;
	long metrics_interval;
	const char *user;
	bool process_events;
	bool enable_process_cred;
	bool enable_process_ns;
	const char *input_unix;
	bool input_stdin;
	const char *rulebase;
	int text_format; /* CONF_TEXT_* */
	bool input_unix_replace_symlink;
	long input_unix_queue;
	long input_unix_coalesce_us;
	bool input_unix_pid_from_system;
	long input_ratelimit_interval;
	long input_ratelimit_burst;
	bool log_syslog;
	const char *btf;
	int seccomp;			   /* enum sandbox_mode */
	struct conf_list enable_ancestors; /* Tetragon's event types, each may hold a comma list */
	int username_metadata;		   /* CONF_USERNAME_* */
	bool enable_process_environment_variables;
	struct conf_list filter_environment_variables; /* names; each may hold a comma list */

	/* Bookkeeping: copies of string values, and where each option was last set from. */
	struct conf_str *strings;
	unsigned char origin[128]; /* enum conf_origin, by index in conf_options */
};

enum conf_text_format { CONF_TEXT_RELAY, CONF_TEXT_JSON };
enum conf_username { CONF_USERNAME_DISABLED, CONF_USERNAME_UNIX };

/* --enable-ancestors: whether its values name type ("base": process_exec and process_exit,
 * all procship has; "kprobe", ...), and whether they name another type than base (which needs
 * base). */
bool conf_ancestors_type(const struct conf *c, const char *type);
static inline bool conf_ancestors_base(const struct conf *c)
{
	return conf_ancestors_type(c, "base");
}
bool conf_ancestors_other(const struct conf *c);

enum conf_origin { CONF_FROM_DEFAULT, CONF_FROM_FILE, CONF_FROM_ARGS };

enum conf_type { CONF_BOOL, CONF_INT, CONF_STRING, CONF_LIST, CONF_NAME };

struct conf_option {
	const char *name; /* long option without "--"; also the config-file key */
	enum conf_type type;
	const char *def;		 /* default, as the user would write it */
	const char *arg;		 /* placeholder in --help, e.g. "N" */
	long min, max;			 /* CONF_INT range */
	int (*lookup)(const char *name); /* CONF_NAME: name -> value, -1 when unknown */
	const char *choices;		 /* CONF_NAME: the names, for messages and --help */
	size_t offset;			 /* of the field in struct conf */
	const char *help;		 /* one line */
	/* Optional: refuse a value the type alone accepts (each list item is checked). */
	int (*check)(const char *value, char *err, size_t errlen);
	bool restart; /* read at start only: a reload keeps the running value */
};

extern const struct conf_option conf_options[];
extern const size_t conf_noptions;

/* Fill every field with its default. */
void conf_defaults(struct conf *c);
/* Free the string copies; the struct may be filled again with conf_defaults. */
void conf_free(struct conf *c);

/* The option called name (no "--"), or NULL. */
const struct conf_option *conf_find(const char *name);
/* Set one option from text, copying the value; for a list, the first value set from a new
 * origin replaces the values of the older one (command line over file over default).
 * Returns 0, or -1 with the reason (not naming the option) in err. */
int conf_set(struct conf *c, const struct conf_option *o, const char *value,
	enum conf_origin origin, char *err, size_t errlen);
/* For each option read at start only whose value differs between next and running, call
 * changed(arg, option) and put the running value back into next (a reload keeps it). Returns
 * 0, or -1 on ENOMEM. */
int conf_keep_restart(struct conf *next, const struct conf *running,
	void (*changed)(void *arg, const struct conf_option *o), void *arg);
/* The value of --config-file in argv, if any (so that the file can be read before argv is
 * applied over it). */
const char *conf_config_file_arg(int argc, char **argv);

enum conf_parse_result { CONF_OK = 0, CONF_ERROR = -1, CONF_HELP = 1, CONF_VERSION = 2 };

/* Parse argv (argv[0] skipped) over what c holds. On CONF_ERROR, err holds one line
 * naming the flag and the value. */
enum conf_parse_result conf_parse_args(
	struct conf *c, int argc, char **argv, char *err, size_t errlen);

void conf_usage(FILE *out);

#endif
