/* Runs the SQL on standard input against a database file with the SQLite that Parley itself is
 * built with (sqlite-nio's amalgamation: the system sqlite3 may be too old for the search index's
 * FTS5 options). Rows of SELECTs are printed '|'-separated. Built by scripts/bench_lib/growth.py:
 *   cc -O2 -DSQLITE_ENABLE_FTS5 -I$AMALGAMATION_DIR sqlite_exec.c -lm -o parley-sqlite-exec */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include "sqlite_nio_sqlite3.c"

static int print_row(void *unused, int count, char **values, char **names) {
    (void)unused; (void)names;
    for (int i = 0; i < count; i++) printf("%s%s", i ? "|" : "", values[i] ? values[i] : "NULL");
    printf("\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s DATABASE < statements.sql\n", argv[0]); return 2; }
    size_t size = 0, capacity = 1 << 20;
    char *sql = malloc(capacity);
    size_t n;
    while ((n = fread(sql + size, 1, capacity - size - 1, stdin)) > 0) {
        size += n;
        if (capacity - size < 2) sql = realloc(sql, capacity *= 2);
    }
    sql[size] = 0;
    sqlite3 *db;
    if (sqlite_nio_sqlite3_open(argv[1], &db) != SQLITE_OK) { fprintf(stderr, "%s\n", sqlite_nio_sqlite3_errmsg(db)); return 1; }
    char *error = NULL;
    if (sqlite_nio_sqlite3_exec(db, sql, print_row, NULL, &error) != SQLITE_OK) { fprintf(stderr, "SQL error: %s\n", error); return 1; }
    return sqlite_nio_sqlite3_close(db) == SQLITE_OK ? 0 : 1;
}
