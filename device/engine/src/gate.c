#include "engine.h"

#include <ctype.h>

/*
 * DTLS fingerprint validation of viewers (lambda/contract/fingerprints.ts): an offer is answered
 * only when its one SHA-256 fingerprint is the one the cloud wrote for that client id in the
 * shadow's `desired.viewers`, which the agent passes on whenever it changes. The viewer's publish
 * reaches the shadow before its offer, but the change may reach the camera just after the offer:
 * the offer then waits up to FINGERPRINT_REFETCH_MS for it, and then the agent reads the shadow
 * afresh, once. Anything else gets no answer and a refusal the agent publishes for the audit trail.
 * Each entry carries its session's expiry: from then on the viewer is not allowed, and a
 * connected one is dropped, whatever the shadow still says.
 */

#define FINGERPRINT_REFETCH_MS 500 /* lambda/contract/fingerprints.ts FINGERPRINT_REFETCH_MS */

BOOL sdpFingerprint(const char* sdp, char* out)
{
    const char* line = sdp;
    BOOL found = FALSE;
    char current[ENGINE_FINGERPRINT_LEN];

    while (line != NULL && *line != '\0') {
        /* Offers arrive as JSON with \r\n escaped, or as plain SDP: a line starts after either. */
        const char* at = strstr(line, "a=fingerprint:");
        const char* p;
        size_t n = 0;
        if (at == NULL) {
            break;
        }
        p = at + 14;
        line = p;
        if (STRNCMPI(p, "sha-256", 7) != 0 || (p[7] != ' ' && p[7] != '\t')) {
            continue;
        }
        p += 8;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        n = (size_t) SNPRINTF(current, SIZEOF(current), "sha-256 ");
        while ((isxdigit((unsigned char) *p) || *p == ':') && n + 1 < SIZEOF(current)) {
            current[n++] = (char) toupper((unsigned char) *p++);
        }
        current[n] = '\0';
        /* 32 pairs and 31 colons after "sha-256 " */
        if (n != 8 + 95) {
            return FALSE;
        }
        if (found && STRCMP(current, out) != 0) {
            return FALSE; /* sections that disagree cannot be checked */
        }
        STRCPY(out, current);
        found = TRUE;
    }
    return found;
}

#define EXPIRY_CHECK_MS 1000 /* how often connected viewers are checked against their expiry */

static UINT64 nowMs(VOID)
{
    /* The SDK's clock is wall-clock time in hundreds of nanoseconds since the epoch. */
    return GETTIME() / HUNDREDS_OF_NANOS_IN_A_MILLISECOND;
}

/* The fingerprint vouched for this viewer, or NULL if none is, or its session has expired. */
static const char* allowedFingerprint(EngineContext* ctx, const char* clientId)
{
    UINT32 i;
    for (i = 0; i < ENGINE_MAX_ALLOWED; i++) {
        if (ctx->allowed[i].used && STRCMP(ctx->allowed[i].clientId, clientId) == 0) {
            return nowMs() < ctx->allowed[i].expiresAt ? ctx->allowed[i].fingerprint : NULL;
        }
    }
    return NULL;
}

static BOOL everAllowed(EngineContext* ctx, const char* clientId)
{
    UINT32 i;
    for (i = 0; i < ctx->everAllowedCount; i++) {
        if (STRCMP(ctx->everAllowed[i], clientId) == 0) {
            return TRUE;
        }
    }
    return FALSE;
}

static VOID refuse(EngineContext* ctx, const char* clientId, const char* fingerprint)
{
    char id[2 * MAX_SIGNALING_CLIENT_ID_LEN + 1], json[1024];
    const char* reason = everAllowed(ctx, clientId) && allowedFingerprint(ctx, clientId) == NULL ? "ended" : "unpublished";
    jsonEscape(clientId, id, SIZEOF(id));
    if (fingerprint != NULL && fingerprint[0] != '\0') {
        SNPRINTF(json, SIZEOF(json), "{\"type\":\"refusal\",\"refusal\":{\"clientId\":\"%s\",\"fingerprint\":\"%s\",\"reason\":\"%s\"}}", id,
                 fingerprint, reason);
    } else {
        SNPRINTF(json, SIZEOF(json), "{\"type\":\"refusal\",\"refusal\":{\"clientId\":\"%s\",\"reason\":\"%s\"}}", id, reason);
    }
    ENGINE_LOG("refused %s: its fingerprint is not the one the cloud vouches for (%s)", clientId, reason);
    ipcSend(ctx, json);
}

static VOID clearPending(PendingOffer* pending)
{
    SAFE_MEMFREE(pending->offer);
    MEMSET(pending, 0, SIZEOF(*pending));
}

/* Called with gateLock held; the answer itself is made after it is released. */
static BOOL takeIfVouched(EngineContext* ctx, PendingOffer* pending, PendingOffer* out)
{
    const char* allowed = allowedFingerprint(ctx, pending->clientId);
    if (allowed == NULL || STRCMP(allowed, pending->fingerprint) != 0) {
        return FALSE;
    }
    *out = *pending;
    MEMSET(pending, 0, SIZEOF(*pending));
    return TRUE;
}

static VOID answerTaken(EngineContext* ctx, PendingOffer* taken, UINT32 count)
{
    UINT32 i;
    for (i = 0; i < count; i++) {
        viewerAnswer(ctx, taken[i].clientId, taken[i].offer, taken[i].offerLen);
        SAFE_MEMFREE(taken[i].offer);
    }
}

VOID gateReplaceViewers(EngineContext* ctx, const AllowedViewer* viewers, UINT32 count)
{
    PendingOffer taken[ENGINE_MAX_VIEWERS];
    UINT32 i, takenCount = 0;

    pthread_mutex_lock(&ctx->gateLock);
    MEMSET(ctx->allowed, 0, SIZEOF(ctx->allowed));
    for (i = 0; i < count && i < ENGINE_MAX_ALLOWED; i++) {
        ctx->allowed[i] = viewers[i];
        if (!everAllowed(ctx, viewers[i].clientId)) {
            /* The oldest entries make room: a long-running camera sees many sessions. */
            UINT32 slot = ctx->everAllowedCount < ENGINE_MAX_ALLOWED ? ctx->everAllowedCount++ : i;
            STRCPY(ctx->everAllowed[slot], viewers[i].clientId);
        }
    }
    ctx->haveAllowed = TRUE;
    for (i = 0; i < ENGINE_MAX_VIEWERS; i++) {
        if (ctx->pending[i].used && takeIfVouched(ctx, &ctx->pending[i], &taken[takenCount])) {
            takenCount++;
        }
    }
    pthread_mutex_unlock(&ctx->gateLock);

    answerTaken(ctx, taken, takenCount);
    /* A viewer whose session ended (gone from the list) is dropped at once. */
    viewersDropNotAllowed(ctx);
}

BOOL gateAllows(EngineContext* ctx, const char* clientId)
{
    BOOL allowed;
    pthread_mutex_lock(&ctx->gateLock);
    allowed = allowedFingerprint(ctx, clientId) != NULL;
    pthread_mutex_unlock(&ctx->gateLock);
    return allowed;
}

VOID gateRefreshed(EngineContext* ctx, UINT32 id, BOOL failed)
{
    PendingOffer taken[1];
    UINT32 i, takenCount = 0;

    pthread_mutex_lock(&ctx->gateLock);
    for (i = 0; i < ENGINE_MAX_VIEWERS; i++) {
        PendingOffer* pending = &ctx->pending[i];
        if (!pending->used || pending->refreshId != id) {
            continue;
        }
        /* gateReplaceViewers already answered it if the fresh read vouched for it. */
        if (!failed && takeIfVouched(ctx, pending, &taken[0])) {
            takenCount = 1;
        } else {
            if (failed) {
                ENGINE_LOG("could not read the allowed viewers afresh for %s", pending->clientId);
            }
            refuse(ctx, pending->clientId, pending->fingerprint);
            clearPending(pending);
        }
    }
    pthread_mutex_unlock(&ctx->gateLock);
    answerTaken(ctx, taken, takenCount);
}

VOID gateOffer(EngineContext* ctx, const char* clientId, PCHAR payload, UINT32 payloadLen)
{
    char fingerprint[ENGINE_FINGERPRINT_LEN] = {0};
    PendingOffer *slot = NULL, taken[1];
    UINT32 i, takenCount = 0;
    CHAR sdp[MAX_SIGNALING_MESSAGE_LEN + 1];

    MEMCPY(sdp, payload, MIN(payloadLen, MAX_SIGNALING_MESSAGE_LEN));
    sdp[MIN(payloadLen, MAX_SIGNALING_MESSAGE_LEN)] = '\0';
    /* The newest offer from a viewer replaces its previous connection. */
    viewerDrop(ctx, clientId, "a new offer replaces it");

    pthread_mutex_lock(&ctx->gateLock);
    for (i = 0; i < ENGINE_MAX_VIEWERS; i++) {
        if (ctx->pending[i].used && STRCMP(ctx->pending[i].clientId, clientId) == 0) {
            clearPending(&ctx->pending[i]);
        }
    }
    /* An offer with no fingerprint, or several, cannot be checked: refused at once. */
    if (!sdpFingerprint(sdp, fingerprint) || ctx->ipcFd < 0) {
        refuse(ctx, clientId, NULL);
        pthread_mutex_unlock(&ctx->gateLock);
        return;
    }
    for (i = 0; i < ENGINE_MAX_VIEWERS && slot == NULL; i++) {
        if (!ctx->pending[i].used) {
            slot = &ctx->pending[i];
        }
    }
    if (slot == NULL || (slot->offer = (PCHAR) MEMALLOC(payloadLen + 1)) == NULL) {
        ENGINE_LOG("too many offers waiting; refusing %s", clientId);
        refuse(ctx, clientId, fingerprint);
        pthread_mutex_unlock(&ctx->gateLock);
        return;
    }
    slot->used = TRUE;
    STRNCPY(slot->clientId, clientId, MAX_SIGNALING_CLIENT_ID_LEN);
    STRCPY(slot->fingerprint, fingerprint);
    MEMCPY(slot->offer, payload, payloadLen);
    slot->offer[payloadLen] = '\0';
    slot->offerLen = payloadLen;
    slot->waitUntil = GETTIME() + FINGERPRINT_REFETCH_MS * HUNDREDS_OF_NANOS_IN_A_MILLISECOND;
    if (takeIfVouched(ctx, slot, &taken[0])) {
        takenCount = 1;
    }
    pthread_mutex_unlock(&ctx->gateLock);
    answerTaken(ctx, taken, takenCount);
}

VOID gateTick(EngineContext* ctx)
{
    static UINT64 lastExpiryCheck = 0;
    UINT32 i;
    UINT64 now = GETTIME();
    char json[64];

    /* A connected viewer whose session expired is dropped, though the shadow may still list it. */
    if (now - lastExpiryCheck >= EXPIRY_CHECK_MS * HUNDREDS_OF_NANOS_IN_A_MILLISECOND) {
        lastExpiryCheck = now;
        viewersDropNotAllowed(ctx);
    }

    pthread_mutex_lock(&ctx->gateLock);
    for (i = 0; i < ENGINE_MAX_VIEWERS; i++) {
        PendingOffer* pending = &ctx->pending[i];
        if (!pending->used || pending->refreshId != 0 || now < pending->waitUntil) {
            continue;
        }
        pending->refreshId = ++ctx->nextRefreshId;
        SNPRINTF(json, SIZEOF(json), "{\"type\":\"refresh\",\"id\":%u}", pending->refreshId);
        ipcSend(ctx, json);
    }
    pthread_mutex_unlock(&ctx->gateLock);
}

VOID gateFree(EngineContext* ctx)
{
    UINT32 i;
    pthread_mutex_lock(&ctx->gateLock);
    for (i = 0; i < ENGINE_MAX_VIEWERS; i++) {
        clearPending(&ctx->pending[i]);
    }
    pthread_mutex_unlock(&ctx->gateLock);
}
