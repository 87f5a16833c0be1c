/* store_internal.h -- what the store's sources (store.c, writer.c,
 * load.c) share; not installed. */
#ifndef BW_STORE_INTERNAL_H
#define BW_STORE_INTERNAL_H

#include <stdint.h>
#include <sqlite3.h>
#include "bulwark/store.h"

struct bw_store {
    sqlite3 *db;
    int readonly;
    sqlite3_stmt *find;      /* bw_store_find's statement, prepared once */
};

/* BW_ERR_DB with "what: <sqlite message>". */
bw_status bw__store_fail(bw_store *s, bw_error *err, const char *what);
bw_status bw__store_exec(bw_store *s, const char *sql, bw_error *err);
bw_status bw__store_prepare(bw_store *s, const char *sql, sqlite3_stmt **st, bw_error *err);
/* PDQ hashes per pdq_blocks row. */
#define BW__PDQ_BLOCK 4096
/* (Re)write the pdq_blocks rows of list `id` from its entries. */
bw_status bw__store_pack_pdq(bw_store *s, int64_t id, bw_error *err);
/* Id of the live list of that name, -1 if none, -2 on a database error. */
int64_t bw__store_list_id(bw_store *s, const char *name);

#endif
