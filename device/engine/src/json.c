#include "engine.h"

#include <stdlib.h>

/*
 * Just enough JSON for the agent's messages (device/agent/viewer-gate.ts):
 * `{"type":"viewers","viewers":{"<clientId>":"sha-256 …"|null}}` and
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

/* `{"<clientId>": "<fingerprint>" | null, …}`: null entries are removed viewers, so not kept. */
static BOOL readViewers(Reader* r, AgentMessage* out)
{
    skipSpace(r);
    if (*r->p != '{') {
        return FALSE;
    }
    r->p++;
    skipSpace(r);
    if (*r->p == '}') {
        r->p++;
        return TRUE;
    }
    for (;;) {
        AllowedViewer viewer;
        MEMSET(&viewer, 0, SIZEOF(viewer));
        if (!readString(r, viewer.clientId, SIZEOF(viewer.clientId))) {
            return FALSE;
        }
        skipSpace(r);
        if (*r->p++ != ':') {
            return FALSE;
        }
        skipSpace(r);
        if (*r->p == '"') {
            if (!readString(r, viewer.fingerprint, SIZEOF(viewer.fingerprint))) {
                return FALSE;
            }
            if (out->viewerCount < ENGINE_MAX_ALLOWED) {
                viewer.used = TRUE;
                out->viewers[out->viewerCount++] = viewer;
            }
        } else if (!skipValue(r, 1)) {
            return FALSE;
        }
        skipSpace(r);
        if (*r->p == ',') {
            r->p++;
            continue;
        }
        if (*r->p == '}') {
            r->p++;
            return TRUE;
        }
        return FALSE;
    }
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
