@testable import Spec

/// The bad-fixture table: file (without `.bad.yaml`), line, column, key path, and a part of the message.
extension BadFixtureTests {
    static let table: [BadFixture] = [
        .init(
            "machine_containers_max_zero", 6, 24, "machines[0].containers.max",
            "expected an integer 1–500, got \"0\""),
        .init(
            "machine_containers_unknown_key_did_you_mean", 7, 7, "machines[0].containers.exclde",
            "unknown key \"exclde\"; did you mean 'exclude'?"),
        .init(
            "machine_textfile_dir_relative", 6, 19, "machines[0].textfile_dir",
            "expected an absolute path on that machine, such as /var/lib/sms/textfile"),
        .init(
            "alerts_custom_metric_bad_name", 9, 13, "alerts[0].metric",
            "unknown metric \"custom.9queue\""),
        .init(
            "alerts_absence_with_metric", 8, 13, "alerts[0].metric",
            "an absence rule (absent_for) has no metric; it fires when a machine stops sending"),
        .init(
            "alerts_below_clear_under_warning", 11, 12, "alerts[0].clear",
            "must be at or above warning for a rule that fires below it (500 < 1000)"),
        .init(
            "alerts_below_warning_under_critical", 10, 14, "alerts[0].warning",
            "must be above critical (1000 ≤ 5000)"),
        .init(
            "alerts_clear_above_warning", 11, 12, "alerts[0].clear",
            "must be at or below warning for a rule that fires above it (85 > 80)"),
        .init(
            "alerts_direction_invalid", 9, 16, "alerts[0].direction",
            "expected one of \"above\", \"below\", got \"abvoe\"; did you mean 'above'?"),
        .init(
            "alerts_duplicate_name", 10, 11, "alerts[1].name",
            "duplicate alert name \"cpu_high\" (first on line 7)"),
        .init(
            "alerts_enabled_yes", 8, 14, "alerts[0].enabled",
            "expected true or false, got \"yes\""),
        .init(
            "alerts_for_too_long", 10, 10, "alerts[0].for",
            "must be between 0s and 7d, got \"30d\""),
        .init(
            "alerts_machine_down_with_warning", 8, 14, "alerts[0].warning",
            "an absence rule (absent_for) has no warning; it fires when a machine stops sending"),
        .init(
            "alerts_metric_missing", 7, 5, "alerts[0]",
            "missing required key \"metric\" (or absent_for, for an absence rule)"),
        .init(
            "alerts_no_threshold", 7, 5, "alerts[0]",
            "a threshold rule needs warning, critical or both"),
        .init(
            "alerts_percent_over_100", 9, 14, "alerts[0].warning",
            "cpu.usage_percent is a percentage; expected 0–100, got 150"),
        .init(
            "alerts_selector_is_scalar", 10, 15, "alerts[0].machines",
            "expected a list of machine ids or a mapping of labels, got \"mcrn\""),
        .init(
            "alerts_threshold_not_a_number", 9, 14, "alerts[0].warning",
            "expected a number, got \"high\""),
        .init(
            "alerts_threshold_quoted", 9, 14, "alerts[0].warning",
            "expected a number, got the string \"80\"; remove the quotes"),
        .init(
            "alerts_unknown_channel", 10, 14, "alerts[0].notify[0]",
            "unknown notify channel \"opz\"; did you mean 'ops'?"),
        .init(
            "alerts_unknown_key_did_you_mean", 9, 5, "alerts[0].warnng",
            "unknown key \"warnng\"; did you mean 'warning'?"),
        .init(
            "alerts_unknown_label", 9, 27, "alerts[0].labels.mountpoint",
            "unknown label \"mountpoint\" (disk.used_percent has: mount); did you mean 'mount'?"),
        .init(
            "alerts_unknown_machine", 10, 16, "alerts[0].machines[0]",
            "unknown machine \"mcrm\"; did you mean 'mcrn'?"),
        .init(
            "alerts_unknown_metric", 8, 13, "alerts[0].metric",
            "unknown metric \"cpu.usage\"; did you mean 'cpu.usage_percent'?"),
        .init(
            "alerts_warning_above_critical", 9, 14, "alerts[0].warning",
            "must be below critical (80 ≥ 75)"),
        .init(
            "defaults_buffer_too_long", 4, 11, "defaults.buffer",
            "must be between 1m and 30d, got \"60d\""),
        .init(
            "defaults_interval_too_short", 4, 13, "defaults.interval",
            "must be between 100ms and 1h, got \"10ms\""),
        .init(
            "defaults_metrics_unknown_group", 4, 18, "defaults.metrics[1]",
            "got \"memroy\"; did you mean 'memory'?"),
        .init(
            "duration_missing_unit", 4, 13, "defaults.interval",
            "expected a duration such as 30s, 5m or 48h, got \"5\" (add a unit: s, m, h, d)"),
        .init(
            "duration_not_a_duration", 4, 13, "defaults.interval",
            "expected a duration such as 30s, 5m or 48h, got \"fast\""),
        .init(
            "edges_token_missing", 7, 5, "edges[0]",
            "missing required key \"token\""),
        .init(
            "edges_unknown_machine", 10, 16, "edges[0].machines[0]",
            "unknown machine \"nfrt\""),
        .init(
            "edges_unknown_metric", 11, 20, "edges[0].metrics[1]",
            "unknown metric or metric group \"memry\"; did you mean 'memory'?"),
        .init(
            "edges_url_not_websocket", 8, 10, "edges[0].url",
            "expected a URL starting with ws:// or wss://, got \"https://sysmonstm.example.org/ws\""),
        .init(
            "env_reference_malformed", 6, 12, "machines[0].token",
            "\"${1BAD}\" is not a variable reference; names are letters, digits and _"),
        .init(
            "env_variable_missing", 6, 12, "machines[0].token",
            "environment variable SMS_MISSING_TOKEN is not set; set it or write ${SMS_MISSING_TOKEN:-default}"),
        .init(
            "five_independent_mistakes", 4, 14, "hub.grpc_port",
            "expected an integer 1–65535, got \"fifty\""),
        .init(
            "hub_allowed_hosts_url", 5, 33, "hub.allowed_hosts[1]",
            "not a host name: give the name alone, such as sms.home.lan (no scheme, port or path)"),
        .init(
            "hub_auth_unknown_key_did_you_mean", 5, 5, "hub.auth.user",
            "unknown key \"user\"; did you mean 'users'?"),
        .init(
            "hub_auth_unknown_word", 4, 9, "hub.auth",
            "expected \"none\" or a mapping with users, got \"nnoe\"; did you mean 'none'?"),
        .init(
            "hub_auth_user_duplicate_name", 7, 17, "hub.auth.users[1].name",
            "duplicate user name \"alice\" (first on line 6)"),
        .init(
            "hub_auth_user_name_invalid", 6, 15, "hub.auth.users[0].name",
            "\"Alice\" is not a valid name: use a-z, 0-9, _ and -"),
        .init(
            "hub_auth_user_password_missing", 6, 9, "hub.auth.users[0]",
            "missing required key \"password_hash\"; make one with `smsctl passwd --name NAME`"),
        .init(
            "hub_auth_user_password_not_a_hash", 7, 24, "hub.auth.users[0].password_hash",
            "not a password hash: expected a hash from `smsctl passwd` (scrypt$N$r$p$salt$hash)"),
        .init(
            "hub_auth_user_role_invalid", 8, 15, "hub.auth.users[0].role",
            "expected one of \"admin\", \"viewer\", got \"root\""),
        .init(
            "hub_bind_loopback_with_remote_machine", 5, 9, "hub.bind",
            "the hub would listen on loopback only (127.0.0.1), but machine \"nfrt\" (machines[0], host 192.168.1.11) runs elsewhere"),
        .init(
            "hub_grpc_port_not_integer", 4, 14, "hub.grpc_port",
            "expected an integer 1–65535, got \"fifty\""),
        .init(
            "hub_history_redis_url", 4, 12, "hub.history",
            "expected \"embedded\" or a postgres:// or postgresql:// URL, got \"redis://127.0.0.1:6379/0\""),
        .init(
            "hub_host_boolean", 4, 9, "hub.host",
            "expected a string, got on, which YAML reads as a boolean; quote it: \"on\""),
        .init(
            "hub_host_loopback_with_remote_machine", 4, 9, "hub.host",
            "\"127.0.0.1\" is a loopback address, but machine \"nfrt\" (machines[1], host 192.168.1.11) runs elsewhere and its collector dials hub.host; set hub.host to"),
        .init(
            "hub_http_port_out_of_range", 4, 14, "hub.http_port",
            "expected an integer 1–65535, got \"70000\""),
        .init(
            "hub_port_leading_zero", 4, 14, "hub.http_port",
            "\"08080\" has a leading zero, which YAML 1.1 reads as octal; write 8080"),
        .init(
            "hub_port_quoted", 4, 14, "hub.http_port",
            "expected an integer 1–65535, got the string \"8080\"; remove the quotes"),
        .init(
            "hub_ports_equal", 5, 14, "hub.http_port",
            "must differ from hub.grpc_port (both are 8080)"),
        .init(
            "hub_state_wrong_scheme", 4, 10, "hub.state",
            "expected \"embedded\" or a redis:// or rediss:// URL, got \"mysql://db.local/sms\""),
        .init(
            "hub_tls_missing_key", 5, 5, "hub.tls",
            "missing required key \"key\""),
        .init(
            "machine_alert_override_out_of_order", 7, 28, "machines[0].alerts.cpu_high.warning",
            "must be below critical (97 ≥ 95)"),
        .init(
            "machine_alert_override_unknown_alert", 7, 7, "machines[0].alerts.cpu_hgh",
            "unknown alert \"cpu_hgh\"; did you mean 'cpu_high'?"),
        .init(
            "machine_host_is_url", 5, 11, "machines[0].host",
            "expected a hostname or an IP address, got \"http://192.168.1.11:50051\"; drop the scheme and path"),
        .init(
            "machine_id_duplicate", 6, 9, "machines[1].id",
            "duplicate machine id \"mcrn\" (first on line 4)"),
        .init(
            "machine_id_missing", 4, 5, "machines[0]",
            "missing required key \"id\""),
        .init(
            "machine_id_uppercase", 4, 9, "machines[0].id",
            "\"MCRN\" is not a valid name: use a-z, 0-9, _ and -, starting with a letter or digit"),
        .init(
            "machine_label_value_boolean", 7, 15, "machines[0].labels.backup",
            "expected a string, got no, which YAML reads as a boolean; quote it: \"no\""),
        .init(
            "machine_labels_not_a_mapping", 6, 13, "machines[0].labels",
            "expected a mapping of keys to values, got a list"),
        .init(
            "machine_token_and_token_file", 7, 17, "machines[0].token_file",
            "give either token or token_file, not both"),
        .init(
            "machine_token_file_missing", 6, 17, "machines[0].token_file",
            "cannot read \"secrets/missing.token\": no such file"),
        .init(
            "machine_unknown_key_did_you_mean", 6, 5, "machines[0].intervall",
            "unknown key \"intervall\"; did you mean 'interval'?"),
        .init(
            "machines_empty", 3, 11, "machines",
            "list at least one machine"),
        .init(
            "machines_missing", 1, 1, "",
            "missing required key \"machines\"; list at least one machine"),
        .init(
            "machines_not_a_list", 4, 3, "machines",
            "expected a list, got a mapping"),
        .init(
            "maintenance_day_invalid", 8, 17, "maintenance[0].days[1]",
            "got \"tues\"; did you mean 'tue'?"),
        .init(
            "maintenance_time_out_of_range", 8, 12, "maintenance[0].start",
            "expected a time such as \"22:30\" (00:00 to 24:00), got \"25:00\""),
        .init(
            "name_invalid", 2, 7, "name",
            "\"Home Lab\" is not a valid name: use a-z, 0-9, _ and -, starting with a letter or digit"),
        .init(
            "name_missing", 1, 1, "",
            "missing required key \"name\""),
        .init(
            "notify_discord_url_and_url_file", 10, 17, "notify[0].discord.url_file",
            "give either url or url_file, not both"),
        .init(
            "notify_discord_url_not_https", 9, 12, "notify[0].discord.url",
            "expected a URL starting with https:// (the value is a secret and is not shown)"),
        .init(
            "notify_email_missing_from", 9, 7, "notify[0].email",
            "missing required key \"from\""),
        .init(
            "notify_email_password_without_tls", 10, 17, "notify[0].email.security",
            "security: none would send the SMTP password unencrypted; use starttls (port 587) or tls (port 465)"),
        .init(
            "notify_email_security_invalid", 10, 17, "notify[0].email.security",
            "expected one of \"starttls\", \"tls\", \"none\", got \"ssl\""),
        .init(
            "notify_email_server_port_out_of_range", 9, 15, "notify[0].email.server",
            "expected host or host:port (port 1–65535), got \"smtp.example.com:99999\""),
        .init(
            "notify_email_to_not_an_address", 11, 29, "notify[0].email.to[1]",
            "expected an email address such as alerts@example.com or \"sms <alerts@example.com>\", got \"ops team\""),
        .init(
            "notify_email_username_without_password", 10, 17, "notify[0].email.username",
            "a username needs a password (password: ${VARIABLE} or password_file)"),
        .init(
            "notify_email_with_headers", 12, 5, "notify[0].headers",
            "only webhook channels take headers; email has its own"),
        .init(
            "notify_duplicate_name", 9, 11, "notify[1].name",
            "duplicate notify channel \"ops\" (first on line 7)"),
        .init(
            "notify_format_invalid", 9, 13, "notify[0].format",
            "expected one of \"json\", \"slack\", got \"xml\""),
        .init(
            "notify_webhook_wrong_scheme", 8, 14, "notify[0].webhook",
            "expected a URL starting with http:// or https://, got \"ftp://hooks.example.com/sms\""),
        .init(
            "notify_kind_missing", 7, 5, "notify[0]",
            "missing required key \"webhook\" (or one of email, discord, teams, ntfy, telegram, pagerduty)"),
        .init(
            "notify_ntfy_unknown_key", 10, 7, "notify[0].ntfy.tokn",
            "unknown key \"tokn\"; did you mean 'token'?"),
        .init(
            "notify_ntfy_url_without_scheme", 9, 12, "notify[0].ntfy.url",
            "expected a URL starting with http:// or https://, got \"ntfy.sh/sms-alerts\""),
        .init(
            "notify_pagerduty_routing_key_missing", 9, 7, "notify[0].pagerduty",
            "missing required key \"routing_key\" (or routing_key_file)"),
        .init(
            "notify_telegram_chat_id_invalid", 10, 16, "notify[0].telegram.chat_id",
            "expected a chat id (a number such as -1001234567890) or a public channel's @name, got \"ops room\""),
        .init(
            "notify_two_kinds", 9, 5, "notify[0].discord",
            "a channel has one kind: give \"webhook\" or \"discord\", not both (declare two channels)"),
        .init(
            "retention_raw_below_one_hour", 4, 8, "retention.raw",
            "must be between 1h and 3650d, got \"30m\""),
        .init(
            "retention_tiers_not_increasing", 5, 7, "retention.1m",
            "must be longer than retention.raw (1d ≤ 2d); each tier keeps coarser data for longer"),
        .init(
            "top_unknown_key_did_you_mean", 3, 1, "retension",
            "unknown key \"retension\"; did you mean 'retention'?"),
        .init(
            "version_missing", 1, 1, "",
            "missing required key \"version\"; start the spec with version: 1"),
        .init(
            "version_unsupported", 1, 10, "version",
            "unsupported version 2; this sms reads version 1"),
        .init(
            "yaml_duplicate_key", 5, 3, "hub.grpc_port",
            "duplicate key \"grpc_port\" (first written on line 4)"),
        .init(
            "yaml_label_key_boolean", 7, 7, "machines[0].labels.on",
            "key \"on\" is read as a boolean by YAML 1.1 tools; quote it: \"on\""),
        .init(
            "yaml_label_value_leading_zero", 7, 13, "machines[0].labels.rack",
            "\"007\" has a leading zero, which YAML 1.1 reads as an octal number; quote it: \"007\""),
        .init(
            "yaml_root_is_a_list", 1, 1, "",
            "expected a mapping of keys to values, got a list"),
        .init(
            "yaml_syntax_error", 5, 13, "",
            "yaml syntax error: mapping values are not allowed in this context"),
        .init(
            "machine_ssh_not_a_destination", 7, 10, "machines[0].ssh",
            "expected user@host or user@host:port (e.g. admin@192.168.1.11:22), got \"admin@192.168.1.11:ssh\""),
        .init(
            "machine_ssh_on_local_machine", 6, 10, "machines[0].ssh",
            "machine \"mcrn\" is local (host: localhost): apply starts its collector itself; drop ssh"),
        .init(
            "machine_ssh_prefix_relative", 9, 38, "machines[0].ssh.prefix",
            "expected an absolute path without spaces or quotes (e.g. /usr/local), got \"opt/sms\""),
        .init(
            "hub_host_shell_and_systemd_characters", 4, 9, "hub.host",
            "expected a hostname or an IP address (letters, digits, - . : [ ]), got \"hub%n$(reboot)\""),
        .init(
            "machine_token_file_with_line_break", 7, 17, "machines[0].token_file",
            "must be one line without control characters, got a line break; it is written into generated files"),
        .init(
            "machine_ssh_identity_file_control_character", 7, 50, "machines[0].ssh.identity_file",
            "must be one line without control characters, got a control character (U+D)"),
        .init(
            "yaml_two_documents", 6, 1, "",
            "a spec is one yaml document; remove the second document (---)"),
    ]
}
