/*
** cuttings_bm25(): FTS5's bm25() with the document frequencies supplied by the caller.
**
**     cuttings_bm25(fts_table, table_name, df, weight_0, weight_1, ...)
**
** The score is exactly FTS5's bm25() (k1 = 1.2, b = 0.75, the same column weights,
** the same average document length and the same IDF floor), except where the IDF of a
** phrase comes from. bm25() counts every row of the whole table that holds each phrase
** (xQueryPhrase) before it scores the first row: for a word in most of 100,000
** articles that walk costs 3 ms, for a two-word phrase 14 ms, even when only the
** newest 500 matches are scored. The search planner (storage/search.py) has usually
** counted or estimated those rows already; ``df`` passes them in, as text: numbers
** separated by commas, one per phrase of the MATCH expression in order. A phrase
** with no number (or an empty ``df``) is counted the way bm25() counts it, so
** ``cuttings_bm25(t, 't', '', w...)`` equals ``bm25(t, w...)``. A ``u`` in place of a number
** leaves that phrase's IDF out (1.0): for a one-phrase query the IDF only scales every
** score alike, so the caller can learn the document frequency from the rows it walks
** anyway and multiply afterwards; ``cuttings_rowcount(t)`` gives the row count it needs.
**
** Document lengths: bm25() looks up every scored row's length in the table's
** ``<name>_docsize`` b-tree (about 0.7 us a row, an eighth of the whole search mix at
** 100,000 articles). ``table_name`` names that table (in the main schema); the
** connection keeps each table's lengths in an array once scoring through the b-tree
** has cost about as much as reading the whole docsize table would (one lookup per 16
** rows of the table: the array never costs more than twice what it saves). The array
** is dropped as soon as the database changes (SQLITE_FCNTL_DATA_VERSION, which any
** connection's commit moves), and neither used nor read inside a write transaction
** (checked on every row), so the lengths are always the ones bm25() would read. An
** empty ``table_name`` scores without the array.
**
** How it is installed: importing the Python module ``storage._fts5rank`` registers
** an auto-extension with the SQLite library this module is linked against, which
** adds the function to every connection opened afterwards. When Python's sqlite3
** uses that same library (the usual case on Linux) the function appears; when it
** does not (a statically linked SQLite), nothing is registered on Python's
** connections and storage/search.py keeps using bm25(). Either way nothing breaks.
**
** Thread rules: the function keeps its per-statement data in FTS5's auxiliary data
** slot and the length arrays in per-connection user data, so it is as thread-safe as
** the connection that runs it.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

/* The document lengths of one FTS5 table, for one connection. */
typedef struct Lengths Lengths;
struct Lengths {
  Lengths *pNext;
  char *zTable;
  unsigned int version; /* SQLITE_FCNTL_DATA_VERSION the entries belong to */
  int bLoadFailed;      /* reading the docsize table failed at this version */
  sqlite3_int64 nMiss;  /* rows scored through the b-tree at this version */
  sqlite3_int64 nLen;   /* entries in aLen (the largest rowid + 1) */
  int *aLen;            /* tokens in each row (all columns), -1 when unknown */
};

/* Per connection: the tables' lengths (a short list: one per FTS5 table searched). */
typedef struct Connection {
  Lengths *pList;
} Connection;

#define LENGTHS_MAX ((sqlite3_int64)1 << 24) /* larger rowids: no array (64 MiB cap) */
#define LENGTHS_MIN_MISSES 256

typedef struct RankData {
  char *zDf; /* the frequencies this was made for (a statement may pass others) */
  char *zTable; /* and the table name */
  Lengths *pLengths; /* 0: score through xColumnSize() */
  sqlite3_int64 nRow;
  int nPhrase;
  int nCol;
  double avgdl;
  double *aWeight; /* column weights of the current call (1.0 when not given) */
  double *aIDF;
  double *aFreq;
} RankData;

static int count_cb(const Fts5ExtensionApi *pApi, Fts5Context *pFts, void *pUser) {
  (void)pApi;
  (void)pFts;
  (*(sqlite3_int64 *)pUser)++;
  return SQLITE_OK;
}

#define DF_UNSCALED (-2.0) /* "u": leave the IDF out (1.0); the caller scales the score */

/* One entry of the list: "u", or digits with an optional "." and more digits (read
** by hand: strtod() follows the locale, and a Qt application sets one whose decimal
** mark may be a comma). Anything else is "not given" (-1). */
static double parse_df(const char *z, const char *end) {
  double v = 0.0, scale = 0.1;
  int digits = 0;
  if (end - z == 1 && *z == 'u') return DF_UNSCALED;
  while (z < end && *z >= '0' && *z <= '9') {
    v = v * 10.0 + (*z++ - '0');
    digits++;
  }
  if (z < end && *z == '.') {
    z++;
    while (z < end && *z >= '0' && *z <= '9') {
      v += (*z++ - '0') * scale;
      scale /= 10.0;
    }
  }
  return (digits > 0 && z == end) ? v : -1.0;
}

/* Document frequency of phrase i from the caller's list ("12,3.5,u"), -1 when not
** given, or DF_UNSCALED. */
static double given_df(const char *z, int i) {
  int k = 0;
  if (z == 0) return -1.0;
  for (;;) {
    const char *comma = strchr(z, ',');
    const char *end = comma ? comma : z + strlen(z);
    if (k == i) return parse_df(z, end);
    if (comma == 0) return -1.0;
    z = comma + 1;
    k++;
  }
}

/* -- document lengths ------------------------------------------------------------- */

static void connection_free(void *pArg) {
  Connection *c = (Connection *)pArg;
  while (c->pList) {
    Lengths *l = c->pList;
    c->pList = l->pNext;
    sqlite3_free(l->aLen);
    sqlite3_free(l);
  }
  sqlite3_free(c);
}

/* An SQLite varint (what FTS5 writes in docsize); bytes read, 0 if it runs off the end. */
static int get_varint(const unsigned char *a, const unsigned char *end, sqlite3_uint64 *pV) {
  sqlite3_uint64 v = 0;
  int i;
  for (i = 0; i < 8 && a + i < end; i++) {
    v = (v << 7) | (a[i] & 0x7f);
    if ((a[i] & 0x80) == 0) {
      *pV = v;
      return i + 1;
    }
  }
  if (i == 8 && a + 8 < end) {
    *pV = (v << 8) | a[8];
    return 9;
  }
  return 0;
}

/* Whether the connection is inside its own write transaction: its uncommitted rows are
** not in the array (and must never get into it: a ROLLBACK leaves the data version as
** it was). Checked on every row, since a statement may outlive a BEGIN on its
** connection; sqlite3_get_autocommit() is one field read, so this costs next to nothing
** outside explicit transactions. */
static int in_write_transaction(sqlite3 *db) {
  if (sqlite3_get_autocommit(db)) return 0;
#if SQLITE_VERSION_NUMBER >= 3034000
  return sqlite3_txn_state(db, "main") == SQLITE_TXN_WRITE;
#else
  return 1; /* cannot tell: treat any open transaction as a write */
#endif
}

/* Reads every row's length from "<table>_docsize" into l->aLen. A failure (no such
** table, too many rows, no memory) leaves aLen empty and scoring goes through
** xColumnSize(), which reports any real error itself. */
static void lengths_load(sqlite3 *db, Lengths *l, sqlite3_int64 nRow) {
  sqlite3_stmt *stmt = 0;
  sqlite3_int64 nLen = 0, maxId = -1;
  char *zSql;
  l->bLoadFailed = 1;
  zSql = sqlite3_mprintf("SELECT max(id) FROM \"main\".\"%w_docsize\"", l->zTable);
  if (zSql == 0) return;
  if (sqlite3_prepare_v2(db, zSql, -1, &stmt, 0) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
    maxId = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_free(zSql);
  /* An array indexed by rowid: not for huge ids, nor for ids so sparse that most of it
  ** would stand empty. */
  if (maxId < 0 || maxId >= LENGTHS_MAX || maxId > 4 * nRow + 4096) return;
  nLen = maxId + 1;
  l->aLen = (int *)sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)nLen);
  if (l->aLen == 0) return;
  memset(l->aLen, 0xff, sizeof(int) * (size_t)nLen); /* every entry -1: unknown */
  l->nLen = nLen;
  zSql = sqlite3_mprintf("SELECT id, sz FROM \"main\".\"%w_docsize\"", l->zTable);
  if (zSql == 0 || sqlite3_prepare_v2(db, zSql, -1, &stmt, 0) != SQLITE_OK) {
    sqlite3_free(zSql);
    sqlite3_free(l->aLen);
    l->aLen = 0;
    l->nLen = 0;
    return;
  }
  sqlite3_free(zSql);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    sqlite3_int64 id = sqlite3_column_int64(stmt, 0);
    const unsigned char *a = (const unsigned char *)sqlite3_column_blob(stmt, 1);
    const unsigned char *end = a + sqlite3_column_bytes(stmt, 1);
    sqlite3_uint64 total = 0, v = 0;
    int n = 1;
    if (id < 0 || id >= nLen || a == 0) continue;
    while (a < end && (n = get_varint(a, end, &v)) > 0) {
      total += v;
      a += n;
    }
    if (n > 0 && total <= 0x7fffffff) l->aLen[id] = (int)total; /* else: stays unknown */
  }
  sqlite3_finalize(stmt);
  l->bLoadFailed = 0;
}

/* The lengths of ``zTable`` for this statement, reset when the database has changed
** since they were read; 0 when they cannot be used (no name, a write transaction, no
** data version). */
static Lengths *lengths_for(const Fts5ExtensionApi *pApi, Fts5Context *pFts, sqlite3 *db,
                            const char *zTable) {
  Connection *c = (Connection *)pApi->xUserData(pFts);
  unsigned int version = 0;
  Lengths *l;
  if (c == 0 || zTable == 0 || zTable[0] == 0) return 0;
  if (in_write_transaction(db)) return 0;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_DATA_VERSION, &version) != SQLITE_OK) return 0;
  for (l = c->pList; l && strcmp(l->zTable, zTable) != 0; l = l->pNext) {
  }
  if (l == 0) {
    size_t n = strlen(zTable) + 1;
    l = (Lengths *)sqlite3_malloc64(sizeof(Lengths) + n);
    if (l == 0) return 0;
    memset(l, 0, sizeof(Lengths));
    l->zTable = (char *)&l[1];
    memcpy(l->zTable, zTable, n);
    l->version = version;
    l->pNext = c->pList;
    c->pList = l;
  } else if (l->version != version) {
    sqlite3_free(l->aLen);
    l->aLen = 0;
    l->nLen = 0;
    l->nMiss = 0;
    l->bLoadFailed = 0;
    l->version = version;
  }
  return l;
}

/* Tokens in the current row (all columns), as xColumnSize(-1) gives them. */
static int row_length(const Fts5ExtensionApi *pApi, Fts5Context *pFts, sqlite3 *db,
                      RankData *p, int *pnTok) {
  Lengths *l = p->pLengths;
  int rc;
  if (l != 0 && in_write_transaction(db)) l = 0;
  if (l != 0 && l->aLen != 0) {
    sqlite3_int64 iRow = pApi->xRowid(pFts);
    if (iRow >= 0 && iRow < l->nLen && l->aLen[iRow] >= 0) {
      *pnTok = l->aLen[iRow];
      return SQLITE_OK;
    }
  }
  rc = pApi->xColumnSize(pFts, -1, pnTok);
  if (rc == SQLITE_OK && l != 0 && l->aLen == 0 && !l->bLoadFailed) {
    /* Load once the lookups have cost about what reading every length costs. */
    l->nMiss++;
    if (l->nMiss >= LENGTHS_MIN_MISSES && l->nMiss >= p->nRow / 16) lengths_load(db, l, p->nRow);
  }
  return rc;
}

/* cuttings_lengths(table_name): how many rows' lengths this connection holds for the
** table at the current data version (0 when none are loaded); for tests. */
static void lengths_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Connection *c = (Connection *)sqlite3_user_data(ctx);
  const char *zTable = (const char *)sqlite3_value_text(argv[0]);
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  unsigned int version = 0;
  sqlite3_int64 n = 0;
  Lengths *l;
  (void)argc;
  if (zTable != 0 &&
      sqlite3_file_control(db, "main", SQLITE_FCNTL_DATA_VERSION, &version) == SQLITE_OK) {
    for (l = c->pList; l; l = l->pNext) {
      if (strcmp(l->zTable, zTable) == 0 && l->version == version && l->aLen != 0) {
        sqlite3_int64 i;
        for (i = 0; i < l->nLen; i++) n += l->aLen[i] >= 0;
      }
    }
  }
  sqlite3_result_int64(ctx, n);
}

/* -- ranking ------------------------------------------------------------------------ */

static int rank_data(const Fts5ExtensionApi *pApi, Fts5Context *pFts, sqlite3 *db,
                     const char *zTable, const char *zDf, RankData **ppData) {
  RankData *p = (RankData *)pApi->xGetAuxdata(pFts, 0);
  int rc = SQLITE_OK;
  if (zDf == 0) zDf = "";
  if (zTable == 0) zTable = "";
  /* One slot per function and cursor: two calls with other arguments rebuild it. */
  if (p != 0 && (strcmp(p->zDf, zDf) != 0 || strcmp(p->zTable, zTable) != 0)) p = 0;
  if (p == 0) {
    int nPhrase = pApi->xPhraseCount(pFts);
    int nCol = pApi->xColumnCount(pFts);
    sqlite3_int64 nRow = 0, nToken = 0;
    size_t nDf = strlen(zDf) + 1, nTable = strlen(zTable) + 1;
    size_t nByte = sizeof(RankData) + sizeof(double) * (2 * nPhrase + nCol) + nDf + nTable;
    int i;
    p = (RankData *)sqlite3_malloc64(nByte);
    if (p == 0) return SQLITE_NOMEM;
    memset(p, 0, nByte);
    p->nPhrase = nPhrase;
    p->nCol = nCol;
    p->aIDF = (double *)&p[1];
    p->aFreq = &p->aIDF[nPhrase];
    p->aWeight = &p->aFreq[nPhrase];
    p->zDf = (char *)&p->aWeight[nCol];
    memcpy(p->zDf, zDf, nDf);
    p->zTable = p->zDf + nDf;
    memcpy(p->zTable, zTable, nTable);
    p->pLengths = lengths_for(pApi, pFts, db, zTable);
    rc = pApi->xRowCount(pFts, &nRow);
    p->nRow = nRow;
    if (rc == SQLITE_OK) rc = pApi->xColumnTotalSize(pFts, -1, &nToken);
    if (rc == SQLITE_OK) p->avgdl = nRow > 0 ? (double)nToken / (double)nRow : 1.0;
    for (i = 0; rc == SQLITE_OK && i < nPhrase; i++) {
      double nHit = given_df(zDf, i);
      if (nHit == DF_UNSCALED) {
        p->aIDF[i] = 1.0;
        continue;
      }
      if (nHit < 0.0) {
        sqlite3_int64 counted = 0;
        rc = pApi->xQueryPhrase(pFts, i, (void *)&counted, count_cb);
        nHit = (double)counted;
      }
      if (rc == SQLITE_OK) {
        /* As in bm25(): IDF = log((N - n + 0.5) / (n + 0.5)), never below 1e-6. */
        double idf = log(((double)nRow - nHit + 0.5) / (nHit + 0.5));
        if (!(idf > 0.0)) idf = 1e-6;
        p->aIDF[i] = idf;
      }
    }
    if (rc != SQLITE_OK) {
      sqlite3_free(p);
      return rc;
    }
    rc = pApi->xSetAuxdata(pFts, p, sqlite3_free);
    if (rc != SQLITE_OK) return rc; /* xSetAuxdata freed p */
  }
  *ppData = p;
  return rc;
}

static void rank_fn(const Fts5ExtensionApi *pApi, Fts5Context *pFts, sqlite3_context *pCtx,
                    int nVal, sqlite3_value **apVal) {
  const double k1 = 1.2;
  const double b = 0.75;
  sqlite3 *db = sqlite3_context_db_handle(pCtx);
  RankData *p = 0;
  const char *zTable = nVal > 0 ? (const char *)sqlite3_value_text(apVal[0]) : 0;
  const char *zDf = nVal > 1 ? (const char *)sqlite3_value_text(apVal[1]) : 0;
  int i, rc, nTok = 0;
  double score = 0.0;

  rc = rank_data(pApi, pFts, db, zTable, zDf, &p);
  /* The column weights, as this call gives them (1.0 for columns it leaves out). */
  for (i = 0; rc == SQLITE_OK && i < p->nCol; i++)
    p->aWeight[i] = i + 2 < nVal ? sqlite3_value_double(apVal[i + 2]) : 1.0;
  /* Each phrase's hits in this row, column by column. xPhraseFirst() reads one
  ** phrase's positions as they are; xInstCount() would first merge every phrase's into
  ** one sorted array (bm25() does that: about a third of its time). */
  for (i = 0; rc == SQLITE_OK && i < p->nPhrase; i++) {
    Fts5PhraseIter iter;
    int ic = 0, io = 0;
    double f = 0.0;
    rc = pApi->xPhraseFirst(pFts, i, &iter, &ic, &io);
    while (rc == SQLITE_OK && ic >= 0) {
      f += ic < p->nCol ? p->aWeight[ic] : 1.0;
      pApi->xPhraseNext(pFts, &iter, &ic, &io);
    }
    p->aFreq[i] = f;
  }
  if (rc == SQLITE_OK) rc = row_length(pApi, pFts, db, p, &nTok);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(pCtx, rc);
    return;
  }
  for (i = 0; i < p->nPhrase; i++) {
    double f = p->aFreq[i];
    score += p->aIDF[i] * ((f * (k1 + 1.0)) / (f + k1 * (1 - b + b * (double)nTok / p->avgdl)));
  }
  sqlite3_result_double(pCtx, -1.0 * score);
}

/*
** Sets of row ids as bitmaps, for filters probed once per FTS match:
**
**     cuttings_bitmap(id)           aggregate: a blob with bit ``id`` set for every id
**     cuttings_in(id, bitmap)       1 when bit ``id`` is set, else 0
**
** ``rowid IN (SELECT ...)`` probes a b-tree for every match (about 40 ns a row for a
** set of a thousand ids: most of the cost of walking a common word's 100,000 matches
** for a tag filter); a bit test costs next to nothing.
*/
#define BITMAP_MAX_ID ((sqlite3_int64)1 << 28) /* a larger id gives NULL (bitmap <= 32 MiB) */

typedef struct Bitmap {
  unsigned char *a;
  sqlite3_int64 n; /* bytes allocated */
  sqlite3_int64 used; /* bytes up to the highest set bit */
  int tooBig;
} Bitmap;

static void bitmap_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Bitmap *p = (Bitmap *)sqlite3_aggregate_context(ctx, sizeof(Bitmap));
  sqlite3_int64 id, byte;
  (void)argc;
  if (p == 0 || p->tooBig) return;
  if (sqlite3_value_type(argv[0]) != SQLITE_INTEGER) return;
  id = sqlite3_value_int64(argv[0]);
  if (id < 0) return;
  if (id >= BITMAP_MAX_ID) {
    p->tooBig = 1;
    return;
  }
  byte = id >> 3;
  if (byte >= p->n) {
    sqlite3_int64 n = p->n ? p->n : 1024;
    unsigned char *a;
    while (n <= byte) n *= 2;
    a = (unsigned char *)sqlite3_realloc64(p->a, (sqlite3_uint64)n);
    if (a == 0) { /* out of memory: NULL, and the caller probes the set another way */
      p->tooBig = 1;
      return;
    }
    memset(a + p->n, 0, (size_t)(n - p->n));
    p->a = a;
    p->n = n;
  }
  p->a[byte] |= (unsigned char)(1u << (id & 7));
  if (byte + 1 > p->used) p->used = byte + 1;
}

static void bitmap_final(sqlite3_context *ctx) {
  Bitmap *p = (Bitmap *)sqlite3_aggregate_context(ctx, 0);
  if (p != 0 && p->tooBig) {
    sqlite3_result_null(ctx); /* the caller probes the set another way */
  } else if (p == 0 || p->used == 0) {
    sqlite3_result_zeroblob(ctx, 0);
  } else {
    sqlite3_result_blob64(ctx, p->a, (sqlite3_uint64)p->used, SQLITE_TRANSIENT);
  }
  if (p) sqlite3_free(p->a);
}

static void in_bitmap(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  sqlite3_int64 id;
  if (sqlite3_value_type(argv[0]) != SQLITE_INTEGER) { /* ids are integers */
    sqlite3_result_int(ctx, 0);
    return;
  }
  id = sqlite3_value_int64(argv[0]);
  const unsigned char *a = (const unsigned char *)sqlite3_value_blob(argv[1]);
  sqlite3_int64 n = sqlite3_value_bytes(argv[1]);
  (void)argc;
  sqlite3_result_int(ctx, a != 0 && id >= 0 && (id >> 3) < n && (a[id >> 3] >> (id & 7)) & 1);
}

/* cuttings_rowcount(fts_table): the rows of the table, as bm25() counts them for IDF. */
static void rowcount_fn(const Fts5ExtensionApi *pApi, Fts5Context *pFts, sqlite3_context *pCtx,
                        int nVal, sqlite3_value **apVal) {
  sqlite3_int64 nRow = 0;
  int rc = pApi->xRowCount(pFts, &nRow);
  (void)nVal;
  (void)apVal;
  if (rc == SQLITE_OK) {
    sqlite3_result_int64(pCtx, nRow);
  } else {
    sqlite3_result_error_code(pCtx, rc);
  }
}


static int add_to_connection(sqlite3 *db, char **pzErr, const sqlite3_api_routines *pThunk) {
  fts5_api *api = 0;
  sqlite3_stmt *stmt = 0;
  Connection *conn;
  (void)pzErr;
  (void)pThunk;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, 0) == SQLITE_OK) {
    sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", 0);
    sqlite3_step(stmt);
  }
  sqlite3_finalize(stmt);
  if (api == 0 || api->iVersion < 2) return SQLITE_OK; /* no FTS5: leave bm25() */
  /* Whatever fails to register is simply missing: storage/search_rank.py uses these only
  ** when all four are on the connection, and bm25() with IN (...) otherwise. */
  sqlite3_create_function_v2(db, "cuttings_bitmap", 1,
                             SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, 0, 0,
                             bitmap_step, bitmap_final, 0);
  sqlite3_create_function_v2(db, "cuttings_in", 2,
                             SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, 0, in_bitmap,
                             0, 0, 0);
  conn = (Connection *)sqlite3_malloc64(sizeof(Connection));
  if (conn != 0) {
    conn->pList = 0;
    /* FTS5 calls the destructor when the connection closes, not when this fails. */
    if (api->xCreateFunction(api, "cuttings_bm25", (void *)conn, rank_fn, connection_free) !=
        SQLITE_OK) {
      connection_free(conn);
    } else {
      sqlite3_create_function_v2(db, "cuttings_lengths", 1, SQLITE_UTF8, (void *)conn, lengths_fn,
                                 0, 0, 0);
    }
  }
  api->xCreateFunction(api, "cuttings_rowcount", 0, rowcount_fn, 0);
  return SQLITE_OK;
}

static PyMethodDef methods[] = {{0, 0, 0, 0}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fts5rank",
                                    "cuttings_bm25(): bm25() with caller-supplied "
                                    "document frequencies (see storage/search.py).",
                                    -1, methods};

PyMODINIT_FUNC PyInit__fts5rank(void) {
  if (sqlite3_auto_extension((void (*)(void))add_to_connection) != SQLITE_OK) {
    PyErr_SetString(PyExc_ImportError, "sqlite3_auto_extension failed");
    return 0;
  }
  return PyModule_Create(&module);
}
