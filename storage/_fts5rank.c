/*
** cuttings_bm25(): FTS5's bm25() with the document frequencies supplied by the caller.
**
**     cuttings_bm25(fts_table, df, weight_0, weight_1, ...)
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
** ``cuttings_bm25(t, '', w...)`` equals ``bm25(t, w...)``. A ``u`` in place of a number
** leaves that phrase's IDF out (1.0): for a one-phrase query the IDF only scales every
** score alike, so the caller can learn the document frequency from the rows it walks
** anyway and multiply afterwards; ``cuttings_rowcount(t)`` gives the row count it needs.
**
** How it is installed: importing the Python module ``storage._fts5rank`` registers
** an auto-extension with the SQLite library this module is linked against, which
** adds the function to every connection opened afterwards. When Python's sqlite3
** uses that same library (the usual case on Linux) the function appears; when it
** does not (a statically linked SQLite), nothing is registered on Python's
** connections and storage/search.py keeps using bm25(). Either way nothing breaks.
**
** Thread rules: the function keeps its per-statement data in FTS5's auxiliary data
** slot, so it is as thread-safe as the connection that runs it.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

typedef struct RankData {
  char *zDf; /* the frequencies this was made for (a statement may pass others) */
  int nPhrase;
  double avgdl;
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

static int rank_data(const Fts5ExtensionApi *pApi, Fts5Context *pFts, const char *zDf,
                     RankData **ppData) {
  RankData *p = (RankData *)pApi->xGetAuxdata(pFts, 0);
  int rc = SQLITE_OK;
  if (zDf == 0) zDf = "";
  /* One slot per function and cursor: two calls with different lists rebuild it. */
  if (p != 0 && strcmp(p->zDf, zDf) != 0) p = 0;
  if (p == 0) {
    int nPhrase = pApi->xPhraseCount(pFts);
    sqlite3_int64 nRow = 0, nToken = 0;
    size_t nDf = strlen(zDf) + 1;
    size_t nByte = sizeof(RankData) + sizeof(double) * 2 * nPhrase + nDf;
    int i;
    p = (RankData *)sqlite3_malloc64(nByte);
    if (p == 0) return SQLITE_NOMEM;
    memset(p, 0, nByte);
    p->nPhrase = nPhrase;
    p->aIDF = (double *)&p[1];
    p->aFreq = &p->aIDF[nPhrase];
    p->zDf = (char *)&p->aFreq[nPhrase];
    memcpy(p->zDf, zDf, nDf);
    rc = pApi->xRowCount(pFts, &nRow);
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
  RankData *p = 0;
  const char *zDf = nVal > 0 ? (const char *)sqlite3_value_text(apVal[0]) : 0;
  int nInst = 0, i, rc, nTok = 0;
  double score = 0.0;

  rc = rank_data(pApi, pFts, zDf, &p);
  if (rc == SQLITE_OK) {
    memset(p->aFreq, 0, sizeof(double) * p->nPhrase);
    rc = pApi->xInstCount(pFts, &nInst);
  }
  for (i = 0; rc == SQLITE_OK && i < nInst; i++) {
    int ip, ic, io;
    rc = pApi->xInst(pFts, i, &ip, &ic, &io);
    if (rc == SQLITE_OK) {
      double w = (nVal - 1 > ic) ? sqlite3_value_double(apVal[1 + ic]) : 1.0;
      p->aFreq[ip] += w;
    }
  }
  if (rc == SQLITE_OK) rc = pApi->xColumnSize(pFts, -1, &nTok);
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
  api->xCreateFunction(api, "cuttings_bm25", 0, rank_fn, 0);
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
