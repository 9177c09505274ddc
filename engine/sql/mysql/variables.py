"""MySQL system variables as Aurora MySQL 3 reports them, session and global.

A session starts from :data:`GLOBALS` (one dict per process: ``SET GLOBAL`` changes what
later sessions start with) plus what only the instance knows (its id, read-only role,
server version). Values are Python ints where MySQL's are numbers, strings otherwise.
``sql_mode`` is reported and settable; the dialect behaves as strict mode whatever it says,
and checks ONLY_FULL_GROUP_BY while the mode has it.
"""

from __future__ import annotations

import socket

AURORA_VERSION = "3.05.2"

GLOBALS: dict[str, object] = {
    "auto_increment_increment": 1,
    "auto_increment_offset": 1,
    "autocommit": 1,
    "automatic_sp_privileges": 1,
    "big_tables": 0,
    "binlog_format": "ROW",
    "character_set_client": "utf8mb4",
    "character_set_connection": "utf8mb4",
    "character_set_database": "utf8mb4",
    "character_set_filesystem": "binary",
    "character_set_results": "utf8mb4",
    "character_set_server": "utf8mb4",
    "character_set_system": "utf8mb3",
    "collation_connection": "utf8mb4_0900_ai_ci",
    "collation_database": "utf8mb4_0900_ai_ci",
    "collation_server": "utf8mb4_0900_ai_ci",
    "completion_type": "NO_CHAIN",
    "cte_max_recursion_depth": 1000,
    "default_authentication_plugin": "mysql_native_password",
    "default_storage_engine": "InnoDB",
    "default_tmp_storage_engine": "InnoDB",
    "default_week_format": 0,
    "div_precision_increment": 4,
    "error_count": 0,
    "explicit_defaults_for_timestamp": 1,
    "foreign_key_checks": 1,
    "group_concat_max_len": 1024,
    "have_ssl": "YES",
    "have_query_cache": "NO",
    "init_connect": "",
    "innodb_lock_wait_timeout": 50,
    "innodb_strict_mode": 1,
    "interactive_timeout": 28800,
    "license": "GPL",
    "local_infile": 0,
    "lock_wait_timeout": 31536000,
    "log_bin": 0,
    "lower_case_file_system": 0,
    "lower_case_table_names": 0,
    "max_allowed_packet": 67108864,
    "max_connections": 1000,
    "max_execution_time": 0,
    "max_join_size": 18446744073709551615,
    "net_buffer_length": 16384,
    "net_read_timeout": 30,
    "net_write_timeout": 60,
    "performance_schema": 0,
    "port": 3306,
    "protocol_version": 10,
    "query_cache_size": 0,
    "query_cache_type": "OFF",
    "require_secure_transport": 0,
    "session_track_gtids": "OFF",
    "sql_auto_is_null": 0,
    "sql_mode": "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION",
    "sql_notes": 1,
    "sql_quote_show_create": 1,
    "sql_safe_updates": 0,
    "sql_select_limit": 18446744073709551615,
    "sql_warnings": 0,
    "storage_engine": "InnoDB",
    "system_time_zone": "UTC",
    "time_zone": "SYSTEM",
    "transaction_isolation": "REPEATABLE-READ",
    "transaction_read_only": 0,
    "tx_isolation": "REPEATABLE-READ",
    "tx_read_only": 0,
    "unique_checks": 1,
    "version_comment": "Source distribution",
    "version_compile_machine": "x86_64",
    "version_compile_os": "Linux",
    "wait_timeout": 28800,
    "warning_count": 0,
    "innodb_version": "8.0.32",
    "aurora_version": AURORA_VERSION,
    "basedir": "/rdsdbbin/oscar/",
    "datadir": "/rdsdbdata/db/",
    "socket": "/tmp/mysql.sock",
    "ssl_cipher": "",
    "last_insert_id": 0,
    "identity": 0,
    "sort_buffer_size": 262144,
    "tmp_table_size": 16777216,
    "max_heap_table_size": 16777216,
    "thread_stack": 1048576,
    "skip_name_resolve": 1,
    "long_query_time": 10,
    "slow_query_log": 0,
    "general_log": 0,
    "innodb_buffer_pool_size": 134217728,
    "innodb_flush_log_at_trx_commit": 1,
    "gtid_mode": "OFF",
    "enforce_gtid_consistency": "OFF",
    "super_read_only": 0,
    # Set by tools and clients (mysqldump's SQL_LOG_BIN, Workbench's profiling and
    # information_schema_stats_expiry, connectors' session_track_*, optimizer hints by SET):
    # kept and shown with MySQL 8.0's defaults, bounding nothing here.
    "block_encryption_mode": "aes-128-ecb",
    "bulk_insert_buffer_size": 8388608,
    "check_proxy_users": 0,
    "end_markers_in_json": 0,
    "eq_range_index_dive_limit": 200,
    "histogram_generation_max_mem_size": 20000000,
    "information_schema_stats_expiry": 86400,
    "internal_tmp_mem_storage_engine": "TempTable",
    "join_buffer_size": 262144,
    "keep_files_on_create": 0,
    "lc_time_names": "en_US",
    "low_priority_updates": 0,
    "max_error_count": 1024,
    "max_length_for_sort_data": 4096,
    "max_seeks_for_key": 18446744073709551615,
    "max_sort_length": 1024,
    "max_sp_recursion_depth": 0,
    "max_user_connections": 0,
    "old_alter_table": 0,
    "optimizer_prune_level": 1,
    "optimizer_search_depth": 62,
    "optimizer_switch": "index_merge=on,index_merge_union=on,index_merge_sort_union=on,"
    "index_merge_intersection=on,engine_condition_pushdown=on,index_condition_pushdown=on,mrr=on,"
    "mrr_cost_based=on,block_nested_loop=on,batched_key_access=off,materialization=on,semijoin=on,"
    "loosescan=on,firstmatch=on,duplicateweedout=on,subquery_materialization_cost_based=on,"
    "use_index_extensions=on,condition_fanout_filter=on,derived_merge=on,use_invisible_indexes=off,"
    "skip_scan=on,hash_join=on,subquery_to_derived=off,prefer_ordering_index=on,"
    "hypergraph_optimizer=off,derived_condition_pushdown=on",
    "optimizer_trace": "enabled=off,one_line=off",
    "profiling": 0,
    "profiling_history_size": 15,
    "range_optimizer_max_mem_size": 8388608,
    "read_buffer_size": 131072,
    "read_rnd_buffer_size": 262144,
    "regexp_stack_limit": 8000000,
    "regexp_time_limit": 32,
    "resultset_metadata": "FULL",
    "session_track_schema": 1,
    "session_track_state_change": 0,
    "session_track_system_variables": "time_zone,autocommit,character_set_client,"
    "character_set_results,character_set_connection",
    "session_track_transaction_info": "OFF",
    "show_create_table_verbosity": 0,
    "sql_big_selects": 1,
    "sql_buffer_result": 0,
    "sql_log_bin": 1,
    "sql_log_off": 0,
    "sql_require_primary_key": 0,
    "updatable_views_with_limit": "YES",
    "windowing_use_high_precision": 1,
}

# Names that read differently from how they are stored
ALIASES = {"tx_isolation": "transaction_isolation", "tx_read_only": "transaction_read_only",
           "storage_engine": "default_storage_engine"}

ON_OFF = {"on": 1, "off": 0, "true": 1, "false": 0, "yes": 1, "no": 0}
NUMERIC_BOOLS = {"autocommit", "foreign_key_checks", "unique_checks", "sql_auto_is_null",
                 "sql_safe_updates", "transaction_read_only", "tx_read_only", "sql_notes",
                 "sql_warnings", "big_tables", "sql_quote_show_create", "innodb_strict_mode",
                 "check_proxy_users", "end_markers_in_json", "keep_files_on_create",
                 "low_priority_updates", "old_alter_table", "profiling", "session_track_schema",
                 "session_track_state_change", "show_create_table_verbosity", "sql_big_selects",
                 "sql_buffer_result", "sql_log_bin", "sql_log_off", "sql_require_primary_key",
                 "windowing_use_high_precision"}


def session_defaults(
    *, server_version: str, instance_id: str, read_only: bool
) -> dict[str, object]:
    v = dict(GLOBALS)
    v.update(
        {
            "version": server_version,
            "innodb_version": server_version,
            "aurora_server_id": instance_id,
            "server_id": 1,
            "hostname": instance_id or socket.gethostname(),
            "read_only": int(read_only),
            "innodb_read_only": int(read_only),
            "super_read_only": 0,
            "aurora_db_instance_identifier": instance_id,
        }
    )
    return v


def coerce(name: str, value: object) -> object:
    """A SET value in the variable's own kind (ON → 1 for the boolean ones)."""
    if isinstance(value, str):
        low = value.lower()
        if name in NUMERIC_BOOLS and low in ON_OFF:
            return ON_OFF[low]
        if name in ("transaction_isolation", "tx_isolation"):
            return value.upper().replace(" ", "-")
        cur = GLOBALS.get(name)
        if isinstance(cur, int) and low.lstrip("-").isdigit():
            return int(low)
    if isinstance(value, bool):
        return int(value)
    return value


def show_value(value: object) -> str:
    """SHOW VARIABLES' spelling: the boolean ones as ON/OFF."""
    if value is None:
        return ""
    return str(value)


def show_variables(values: dict[str, object]) -> list[tuple[str, str]]:
    out = []
    for k in sorted(values):
        v = values[k]
        if k in NUMERIC_BOOLS or k in ("read_only", "innodb_read_only", "super_read_only",
                                       "log_bin", "local_infile", "performance_schema",
                                       "explicit_defaults_for_timestamp", "skip_name_resolve",
                                       "slow_query_log", "general_log", "lower_case_file_system",
                                       "require_secure_transport"):
            v = "ON" if v in (1, "1", True) else "OFF"
        out.append((k, show_value(v)))
    return out
