#include "engine.h"

#include <stdlib.h>

/*
 * Just enough JSON for the agent's messages (device/agent/viewer-gate.ts):
 * `{"type":"viewers","viewers":{"<clientId>":{"fingerprint":"sha-256 …","expiresAt":<ms>}|null}}` and
 * `{"type":"refresh","id":1,"viewers":{…}}` / `{"type":"refresh","id":1,"error":"…"}`.
 * Other members are skipped whatever their value; anything malformed rejects the message.
 */

typedef struct {
    const char* p;
} Reader;

static VOID skipSpace(Reader* r)
{
    while (*r->p == ' ' || *r->p == '\t' || *r->p == '\r' || *r->p == '\n') {
        r->p++;
    }
}

/* Reads a string into out (truncated to outLen - 1; NULL out skips it). Escapes other than \" \\ \/ are kept as-is. */
static BOOL readString(Reader* r, char* out, size_t outLen)
{
    size_t n = 0;
    skipSpace(r);
    if (*r->p != '"') {
        return FALSE;
    }
    r->p++;
    while (*r->p != '"') {
        char c = *r->p;
        if (c == '\0') {
            return FALSE;
        }
        if (c == '\\') {
            r->p++;
            c = *r->p;
            if (c == '\0') {
                return FALSE;
            }
        }
        if (out != NULL && n + 1 < outLen) {
            out[n++] = c;
        }
        r->p++;
    }
    r->p++;
    if (out != NULL && outLen > 0) {
        out[n] = '\0';
    }
    return TRUE;
}

static BOOL skipValue(Reader* r, UINT32 depth);

static BOOL skipContainer(Reader* r, char close, BOOL keyed, UINT32 depth)
{
    r->p++;
    skipSpace(r);
    if (*r->p == close) {
        r->p++;
        return TRUE;
    }
    for (;;) {
        if (keyed) {
            if (!readString(r, NULL, 0)) {
                return FALSE;
            }
            skipSpace(r);
            if (*r->p++ != ':') {
                return FALSE;
            }
        }
        if (!skipValue(r, depth + 1)) {
            return FALSE;
        }
        skipSpace(r);
        if (*r->p == ',') {
            r->p++;
            continue;
        }
        if (*r->p == close) {
            r->p++;
            return TRUE;
        }
        return FALSE;
    }
}

static BOOL skipValue(Reader* r, UINT32 depth)
{
    if (depth > 16) {
        return FALSE;
    }
    skipSpace(r);
    switch (*r->p) {
        case '"':
            return readString(r, NULL, 0);
        case '{':
            return skipContainer(r, '}', TRUE, depth);
        case '[':
            return skipContainer(r, ']', FALSE, depth);
        default: {
            const char* start = r->p;
            while (*r->p != '\0' && strchr(",}] \t\r\n", *r->p) == NULL) {
                r->p++;
            }
            return r->p > start;
        }
    }
}

/* A member's key and its colon (out as readString takes it); the value comes next. */
static BOOL readKey(Reader* r, char* out, size_t outLen)
{
    if (!readString(r, out, outLen)) {
        return FALSE;
    }
    skipSpace(r);
    if (*r->p++ != ':') {
        return FALSE;
    }
    skipSpace(r);
    return TRUE;
}

/* After a member of an object: TRUE with *more set for a comma, FALSE for anything but the close. */
static BOOL afterMember(Reader* r, BOOL* more)
{
    skipSpace(r);
    *more = *r->p == ',';
    if (*r->p != ',' && *r->p != '}') {
        return FALSE;
    }
    r->p++;
    return TRUE;
}

/* Opens an object: TRUE with *empty set when it is `{}` (already read through). */
static BOOL openObject(Reader* r, BOOL* empty)
{
    skipSpace(r);
    if (*r->p != '{') {
        return FALSE;
    }
    r->p++;
    skipSpace(r);
    *empty = *r->p == '}';
    if (*empty) {
        r->p++;
    }
    return TRUE;
}

/*
 * One vouched viewer, `{"fingerprint": "…", "expiresAt": <ms since the epoch>}`: kept only with
 * both (lambda/contract/fingerprints.ts VouchedViewer), since a viewer without an expiry would be
 * one the camera could never drop by itself.
 */
static BOOL readVouched(Reader* r, AllowedViewer* viewer)
{
    char key[32];
    BOOL haveFingerprint = FALSE, haveExpiry = FALSE, more = TRUE;
    if (!openObject(r, &more)) {
        return FALSE;
    }
    more = !more;
    while (more) {
        if (!readKey(r, key, SIZEOF(key))) {
            return FALSE;
        }
        if (STRCMP(key, "fingerprint") == 0 && *r->p == '"') {
            if (!readString(r, viewer->fingerprint, SIZEOF(viewer->fingerprint))) {
                return FALSE;
            }
            haveFingerprint = TRUE;
        } else if (STRCMP(key, "expiresAt") == 0 && *r->p >= '0' && *r->p <= '9') {
            char* end;
            viewer->expiresAt = (UINT64) strtoull(r->p, &end, 10);
            r->p = end;
            haveExpiry = TRUE;
        } else if (!skipValue(r, 2)) {
            return FALSE;
        }
        if (!afterMember(r, &more)) {
            return FALSE;
        }
    }
    viewer->used = haveFingerprint && haveExpiry;
    return TRUE;
}

/* `{"<clientId>": {vouched viewer} | null, …}`: null entries are removed viewers, so not kept. */
static BOOL readViewers(Reader* r, AgentMessage* out)
{
    BOOL more = TRUE;
    if (!openObject(r, &more)) {
        return FALSE;
    }
    more = !more;
    while (more) {
        AllowedViewer viewer;
        MEMSET(&viewer, 0, SIZEOF(viewer));
        if (!readKey(r, viewer.clientId, SIZEOF(viewer.clientId))) {
            return FALSE;
        }
        if (*r->p == '{') {
            if (!readVouched(r, &viewer)) {
                return FALSE;
            }
            if (viewer.used && out->viewerCount < ENGINE_MAX_ALLOWED) {
                out->viewers[out->viewerCount++] = viewer;
            }
        } else if (!skipValue(r, 1)) {
            return FALSE;
        }
        if (!afterMember(r, &more)) {
            return FALSE;
        }
    }
    return TRUE;
}

BOOL jsonParseMessage(const char* line, AgentMessage* out)
{
    Reader r = {line};
    char key[32];
    MEMSET(out, 0, SIZEOF(*out));
    skipSpace(&r);
    if (*r.p != '{') {
        return FALSE;
    }
    r.p++;
    skipSpace(&r);
    if (*r.p == '}') {
        return TRUE;
    }
    for (;;) {
        if (!readString(&r, key, SIZEOF(key))) {
            return FALSE;
        }
        skipSpace(&r);
        if (*r.p++ != ':') {
            return FALSE;
        }
        skipSpace(&r);
        if (STRCMP(key, "type") == 0) {
            if (!readString(&r, out->type, SIZEOF(out->type))) {
                return FALSE;
            }
        } else if (STRCMP(key, "id") == 0) {
            char* end;
            out->id = (UINT32) strtoul(r.p, &end, 10);
            if (end == r.p) {
                return FALSE;
            }
            r.p = end;
        } else if (STRCMP(key, "viewers") == 0) {
            if (!readViewers(&r, out)) {
                return FALSE;
            }
            out->hasViewers = TRUE;
        } else {
            if (STRCMP(key, "error") == 0) {
                out->hasError = TRUE;
            }
            if (!skipValue(&r, 1)) {
                return FALSE;
            }
        }
        skipSpace(&r);
        if (*r.p == ',') {
            r.p++;
            continue;
        }
        return *r.p == '}';
    }
}

VOID jsonEscape(const char* in, char* out, size_t outLen)
{
    size_t n = 0;
    for (; *in != '\0' && n + 7 < outLen; in++) {
        unsigned char c = (unsigned char) *in;
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char) c;
        } else if (c < 0x20) {
            n += (size_t) SNPRINTF(out + n, outLen - n, "\\u%04x", c);
        } else {
            out[n++] = (char) c;
        }
    }
    out[n] = '\0';
}
