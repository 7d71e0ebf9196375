#include "engine.h"

/*
 * One peer connection per vouched viewer, each with a send-only H.264 track and the camera's one
 * DTLS certificate. Peer connections are freed by the main loop (viewersReap), never inside an SDK
 * callback, which runs on the connection's own threads.
 */

static VOID drainEarly(EngineContext* ctx, Viewer* v);

static Viewer* findViewer(EngineContext* ctx, const char* clientId)
{
    UINT32 i;
    for (i = 0; i < ENGINE_MAX_VIEWERS; i++) {
        if (ctx->viewers[i].used && !ctx->viewers[i].closing && STRCMP(ctx->viewers[i].clientId, clientId) == 0) {
            return &ctx->viewers[i];
        }
    }
    return NULL;
}

/* Reports `reported.viewers` (the client ids connected now) through the agent, on change only. */
static VOID reportConnected(EngineContext* ctx)
{
    char json[1200], list[1024] = "", id[2 * MAX_SIGNALING_CLIENT_ID_LEN + 1];
    size_t n = 0;
    UINT32 i;
    for (i = 0; i < ENGINE_MAX_VIEWERS; i++) {
        Viewer* v = &ctx->viewers[i];
        if (!v->used || v->closing || !v->connected) {
            continue;
        }
        jsonEscape(v->clientId, id, SIZEOF(id));
        n += (size_t) SNPRINTF(list + n, SIZEOF(list) - n, "%s\"%s\"", n == 0 ? "" : ",", id);
        if (n >= SIZEOF(list)) {
            break;
        }
    }
    if (STRCMP(list, ctx->reportedConnected) == 0) {
        return;
    }
    STRNCPY(ctx->reportedConnected, list, SIZEOF(ctx->reportedConnected) - 1);
    SNPRINTF(json, SIZEOF(json), "{\"type\":\"connected\",\"viewers\":[%s]}", list);
    ipcSend(ctx, json);
}

/*
 * Runs on the SDK's threads, which may hold the SDK's own locks: it takes none of ours (viewersWrite
 * holds viewersLock while calling into the SDK), only sets flags the main loop reads.
 */
static VOID onConnectionState(UINT64 customData, RTC_PEER_CONNECTION_STATE state)
{
    Viewer* v = (Viewer*) customData;
    EngineContext* ctx = v->ctx;
    if (state == RTC_PEER_CONNECTION_STATE_CONNECTED) {
        v->connected = TRUE;
        ENGINE_LOG("viewer %s connected", v->clientId);
        ctx->keyframeWanted = TRUE;
    } else if (state == RTC_PEER_CONNECTION_STATE_FAILED || state == RTC_PEER_CONNECTION_STATE_CLOSED ||
               state == RTC_PEER_CONNECTION_STATE_DISCONNECTED) {
        if (!v->closing) {
            ENGINE_LOG("viewer %s left (peer connection state %d)", v->clientId, state);
        }
        v->connected = FALSE;
        v->closing = TRUE;
    }
}

VOID viewersReport(EngineContext* ctx)
{
    pthread_mutex_lock(&ctx->viewersLock);
    reportConnected(ctx);
    pthread_mutex_unlock(&ctx->viewersLock);
}

static VOID onIceCandidate(UINT64 customData, PCHAR candidateJson)
{
    Viewer* v = (Viewer*) customData;
    EngineContext* ctx = v->ctx;
    if (candidateJson == NULL) {
        /* Gathering finished: a viewer that cannot trickle gets its answer only now. */
        if (!v->remoteCanTrickle) {
            CHAR payload[MAX_SIGNALING_MESSAGE_LEN + 1];
            UINT32 len = MAX_SIGNALING_MESSAGE_LEN;
            STATUS status = createAnswer(v->peerConnection, &v->answer);
            if (STATUS_SUCCEEDED(status)) {
                status = serializeSessionDescriptionInit(&v->answer, payload, &len);
            }
            if (STATUS_FAILED(status)) {
                engineError(ctx, "viewer", status, "could not make the answer for %s: 0x%08x", v->clientId, status);
                return;
            }
            signalingSend(ctx, SIGNALING_MESSAGE_TYPE_ANSWER, v->clientId, payload, (UINT32) STRLEN(payload));
        }
        return;
    }
    if (v->remoteCanTrickle) {
        signalingSend(ctx, SIGNALING_MESSAGE_TYPE_ICE_CANDIDATE, v->clientId, candidateJson, (UINT32) STRLEN(candidateJson));
    }
}

static VOID onPictureLoss(UINT64 customData)
{
    Viewer* v = (Viewer*) customData;
    v->ctx->keyframeWanted = TRUE;
}

/* The region's KVS STUN server (or --stun), then every TURN URI the channel's ICE config lists. */
static STATUS iceServers(EngineContext* ctx, PRtcConfiguration config)
{
    STATUS retStatus = STATUS_SUCCESS;
    UINT32 count = 0, i, j, n = 0;
    PIceConfigInfo info;

    if (ctx->options.stunUrl != NULL) {
        STRNCPY(config->iceServers[n++].urls, ctx->options.stunUrl, MAX_ICE_CONFIG_URI_LEN);
    } else {
        SNPRINTF(config->iceServers[n++].urls, MAX_ICE_CONFIG_URI_LEN, KINESIS_VIDEO_STUN_URL, ctx->options.region,
                 KINESIS_VIDEO_STUN_URL_POSTFIX);
    }
    ENGINE_SDK(ctx, signalingClientGetIceConfigInfoCount(ctx->signaling, &count), "viewer", "signalingClientGetIceConfigInfoCount");
    for (i = 0; i < count; i++) {
        ENGINE_SDK(ctx, signalingClientGetIceConfigInfo(ctx->signaling, i, &info), "viewer", "signalingClientGetIceConfigInfo");
        for (j = 0; j < info->uriCount && n < MAX_ICE_SERVERS_COUNT; j++, n++) {
            STRNCPY(config->iceServers[n].urls, info->uris[j], MAX_ICE_CONFIG_URI_LEN);
            STRNCPY(config->iceServers[n].username, info->userName, MAX_ICE_CONFIG_USER_NAME_LEN);
            STRNCPY(config->iceServers[n].credential, info->password, MAX_ICE_CONFIG_CREDENTIAL_LEN);
        }
    }
CleanUp:
    return retStatus;
}

STATUS viewerAnswer(EngineContext* ctx, const char* clientId, PCHAR offer, UINT32 offerLen)
{
    STATUS retStatus = STATUS_SUCCESS;
    RtcConfiguration config;
    RtcSessionDescriptionInit remote;
    RtcMediaStreamTrack track;
    RtcRtpTransceiverInit init;
    NullableBool canTrickle;
    Viewer* v = NULL;
    UINT32 i, len = MAX_SIGNALING_MESSAGE_LEN, connectedCount = 0, closingCount = 0;
    CHAR payload[MAX_SIGNALING_MESSAGE_LEN + 1];

    MEMSET(&config, 0, SIZEOF(config));
    MEMSET(&remote, 0, SIZEOF(remote));
    MEMSET(&track, 0, SIZEOF(track));
    MEMSET(&init, 0, SIZEOF(init));

    pthread_mutex_lock(&ctx->viewersLock);
    for (i = 0; i < ENGINE_MAX_VIEWERS; i++) {
        if (!ctx->viewers[i].used) {
            v = v == NULL ? &ctx->viewers[i] : v;
        } else if (ctx->viewers[i].closing) {
            closingCount++;
        } else if (ctx->viewers[i].connected) {
            connectedCount++;
        }
    }
    if (v != NULL) {
        MEMSET(v, 0, SIZEOF(*v));
        v->used = TRUE;
        v->ctx = ctx;
        STRNCPY(v->clientId, clientId, MAX_SIGNALING_CLIENT_ID_LEN);
    }
    pthread_mutex_unlock(&ctx->viewersLock);
    ENGINE_CHECK(ctx, v != NULL, "viewer", STATUS_NOT_ENOUGH_MEMORY, "no room for viewer %s (%u connected, %u closing, %u connecting)",
                 clientId, connectedCount, closingCount, ENGINE_MAX_VIEWERS - connectedCount - closingCount);

    CHK_STATUS(iceServers(ctx, &config));
    config.iceTransportPolicy = ctx->options.relayOnly ? ICE_TRANSPORT_POLICY_RELAY : ICE_TRANSPORT_POLICY_ALL;
    /* The camera's one certificate, so the fingerprint the cloud vouches for is the one in the answer. */
    config.certificates[0].pCertificate = (PBYTE) ctx->certificate;
    config.certificates[0].pPrivateKey = (PBYTE) ctx->privateKey;

    ENGINE_SDK(ctx, createPeerConnection(&config, &v->peerConnection), "viewer", "createPeerConnection");
    ENGINE_SDK(ctx, peerConnectionOnIceCandidate(v->peerConnection, (UINT64) v, onIceCandidate), "viewer", "peerConnectionOnIceCandidate");
    ENGINE_SDK(ctx, peerConnectionOnConnectionStateChange(v->peerConnection, (UINT64) v, onConnectionState), "viewer",
               "peerConnectionOnConnectionStateChange");
    ENGINE_SDK(ctx, addSupportedCodec(v->peerConnection, RTC_CODEC_H264_PROFILE_42E01F_LEVEL_ASYMMETRY_ALLOWED_PACKETIZATION_MODE), "viewer",
               "addSupportedCodec");

    track.kind = MEDIA_STREAM_TRACK_KIND_VIDEO;
    track.codec = RTC_CODEC_H264_PROFILE_42E01F_LEVEL_ASYMMETRY_ALLOWED_PACKETIZATION_MODE;
    STRCPY(track.streamId, "sightline");
    STRCPY(track.trackId, "camera");
    init.direction = RTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY;
    ENGINE_SDK(ctx, addTransceiver(v->peerConnection, &track, &init, &v->video), "viewer", "addTransceiver");
    ENGINE_SDK(ctx, transceiverOnPictureLoss(v->video, (UINT64) v, onPictureLoss), "viewer", "transceiverOnPictureLoss");

    ENGINE_SDK(ctx, deserializeSessionDescriptionInit(offer, offerLen, &remote), "viewer", "deserializeSessionDescriptionInit");
    ENGINE_SDK(ctx, setRemoteDescription(v->peerConnection, &remote), "viewer", "setRemoteDescription");
    pthread_mutex_lock(&ctx->viewersLock);
    v->remoteSet = TRUE;
    drainEarly(ctx, v);
    pthread_mutex_unlock(&ctx->viewersLock);
    canTrickle = canTrickleIceCandidates(v->peerConnection);
    v->remoteCanTrickle = !NULLABLE_CHECK_EMPTY(canTrickle) && canTrickle.value;
    ENGINE_SDK(ctx, setLocalDescription(v->peerConnection, &v->answer), "viewer", "setLocalDescription");
    if (v->remoteCanTrickle) {
        ENGINE_SDK(ctx, createAnswer(v->peerConnection, &v->answer), "viewer", "createAnswer");
        ENGINE_SDK(ctx, serializeSessionDescriptionInit(&v->answer, payload, &len), "viewer", "serializeSessionDescriptionInit");
        /* The serialized length counts the terminating NUL, which must not go on the wire. */
        CHK_STATUS(signalingSend(ctx, SIGNALING_MESSAGE_TYPE_ANSWER, clientId, payload, (UINT32) STRLEN(payload)));
    }
    ENGINE_LOG("answered %s", clientId);

CleanUp:
    if (STATUS_FAILED(retStatus) && v != NULL) {
        pthread_mutex_lock(&ctx->viewersLock);
        v->closing = TRUE;
        pthread_mutex_unlock(&ctx->viewersLock);
    }
    return retStatus;
}

/* Called with viewersLock held. */
static VOID addCandidate(EngineContext* ctx, Viewer* v, PCHAR payload, UINT32 len)
{
    RtcIceCandidateInit candidate;
    STATUS status;
    MEMSET(&candidate, 0, SIZEOF(candidate));
    status = deserializeRtcIceCandidateInit(payload, len, &candidate);
    if (STATUS_SUCCEEDED(status)) {
        status = addIceCandidate(v->peerConnection, candidate.candidate);
    }
    if (STATUS_FAILED(status)) {
        ENGINE_LOG("ignored a candidate from %s: 0x%08x", v->clientId, status);
    } else {
        DLOGD("added remote candidate from %s: %s", v->clientId, candidate.candidate);
    }
}

/*
 * A viewer trickles its candidates right after its offer, and the SDK hands them over while the
 * offer is still being checked or answered: they wait here until the connection has the offer.
 */
VOID viewerCandidate(EngineContext* ctx, const char* clientId, PCHAR payload, UINT32 len)
{
    Viewer* v;
    UINT32 i, slot = 0;
    UINT64 oldest = MAX_UINT64;
    pthread_mutex_lock(&ctx->viewersLock);
    v = findViewer(ctx, clientId);
    if (v != NULL && v->remoteSet) {
        addCandidate(ctx, v, payload, len);
        pthread_mutex_unlock(&ctx->viewersLock);
        return;
    }
    for (i = 0; i < ENGINE_MAX_EARLY_CANDIDATES; i++) {
        EarlyCandidate* e = &ctx->early[i];
        if (!e->used) {
            slot = i;
            break;
        }
        if (e->receivedAt < oldest) {
            oldest = e->receivedAt;
            slot = i;
        }
    }
    SAFE_MEMFREE(ctx->early[slot].payload);
    MEMSET(&ctx->early[slot], 0, SIZEOF(EarlyCandidate));
    if ((ctx->early[slot].payload = (PCHAR) MEMALLOC(len + 1)) != NULL) {
        MEMCPY(ctx->early[slot].payload, payload, len);
        ctx->early[slot].payload[len] = '\0';
        ctx->early[slot].len = len;
        ctx->early[slot].used = TRUE;
        ctx->early[slot].receivedAt = GETTIME();
        STRNCPY(ctx->early[slot].clientId, clientId, MAX_SIGNALING_CLIENT_ID_LEN);
    }
    pthread_mutex_unlock(&ctx->viewersLock);
}

/* Adds the candidates that waited for this viewer's connection; viewersLock held. */
static VOID drainEarly(EngineContext* ctx, Viewer* v)
{
    UINT32 i;
    for (i = 0; i < ENGINE_MAX_EARLY_CANDIDATES; i++) {
        EarlyCandidate* e = &ctx->early[i];
        if (e->used && STRCMP(e->clientId, v->clientId) == 0) {
            addCandidate(ctx, v, e->payload, e->len);
            SAFE_MEMFREE(e->payload);
            MEMSET(e, 0, SIZEOF(*e));
        }
    }
}

/* Candidates nobody claimed within this long belong to an offer that was refused or replaced. */
#define EARLY_CANDIDATE_TTL (10 * HUNDREDS_OF_NANOS_IN_A_SECOND)

static VOID expireEarly(EngineContext* ctx)
{
    UINT32 i;
    UINT64 now = GETTIME();
    for (i = 0; i < ENGINE_MAX_EARLY_CANDIDATES; i++) {
        EarlyCandidate* e = &ctx->early[i];
        if (e->used && now - e->receivedAt > EARLY_CANDIDATE_TTL) {
            SAFE_MEMFREE(e->payload);
            MEMSET(e, 0, SIZEOF(*e));
        }
    }
}

VOID viewerDrop(EngineContext* ctx, const char* clientId, const char* why)
{
    Viewer* v;
    pthread_mutex_lock(&ctx->viewersLock);
    v = findViewer(ctx, clientId);
    if (v != NULL) {
        ENGINE_LOG("dropping viewer %s: %s", clientId, why);
        v->closing = TRUE;
        v->connected = FALSE;
        reportConnected(ctx);
    }
    pthread_mutex_unlock(&ctx->viewersLock);
}

VOID viewersDropNotAllowed(EngineContext* ctx)
{
    CHAR ids[ENGINE_MAX_VIEWERS][MAX_SIGNALING_CLIENT_ID_LEN + 1];
    UINT32 i, n = 0;
    pthread_mutex_lock(&ctx->viewersLock);
    for (i = 0; i < ENGINE_MAX_VIEWERS; i++) {
        if (ctx->viewers[i].used && !ctx->viewers[i].closing) {
            STRCPY(ids[n++], ctx->viewers[i].clientId);
        }
    }
    pthread_mutex_unlock(&ctx->viewersLock);
    for (i = 0; i < n; i++) {
        if (!gateAllows(ctx, ids[i])) {
            viewerDrop(ctx, ids[i], "its session ended or expired");
        }
    }
}

/*
 * Frees the connections marked closing. The slot stays used (and skipped by everyone) until its
 * connection is freed, so a late SDK callback still finds a valid Viewer.
 */
VOID viewersReap(EngineContext* ctx)
{
    Viewer* closing[ENGINE_MAX_VIEWERS];
    UINT32 i, n = 0;
    pthread_mutex_lock(&ctx->viewersLock);
    for (i = 0; i < ENGINE_MAX_VIEWERS; i++) {
        if (ctx->viewers[i].used && ctx->viewers[i].closing) {
            closing[n++] = &ctx->viewers[i];
        }
    }
    reportConnected(ctx);
    expireEarly(ctx);
    pthread_mutex_unlock(&ctx->viewersLock);
    for (i = 0; i < n; i++) {
        if (closing[i]->peerConnection != NULL) {
            STATUS status = closePeerConnection(closing[i]->peerConnection);
            if (STATUS_FAILED(status)) {
                ENGINE_LOG("closePeerConnection failed with 0x%08x", status);
            }
            freePeerConnection(&closing[i]->peerConnection);
        }
    }
    pthread_mutex_lock(&ctx->viewersLock);
    for (i = 0; i < n; i++) {
        MEMSET(closing[i], 0, SIZEOF(*closing[i]));
    }
    pthread_mutex_unlock(&ctx->viewersLock);
}

VOID viewersWrite(EngineContext* ctx, PFrame frame)
{
    UINT32 i;
    BOOL key = (frame->flags & FRAME_FLAG_KEY_FRAME) != 0;
    pthread_mutex_lock(&ctx->viewersLock);
    for (i = 0; i < ENGINE_MAX_VIEWERS; i++) {
        Viewer* v = &ctx->viewers[i];
        STATUS status;
        if (!v->used || v->closing || !v->connected || v->video == NULL) {
            continue;
        }
        /* A viewer can only start decoding at a keyframe. */
        if (!v->sawKeyframe && !key) {
            continue;
        }
        v->sawKeyframe = TRUE;
        status = writeFrame(v->video, frame);
        if (STATUS_FAILED(status) && status != STATUS_SRTP_NOT_READY_YET) {
            ENGINE_LOG("writeFrame to %s failed with 0x%08x", v->clientId, status);
        }
    }
    pthread_mutex_unlock(&ctx->viewersLock);
}

VOID viewersFreeAll(EngineContext* ctx)
{
    UINT32 i;
    pthread_mutex_lock(&ctx->viewersLock);
    for (i = 0; i < ENGINE_MAX_EARLY_CANDIDATES; i++) {
        SAFE_MEMFREE(ctx->early[i].payload);
        ctx->early[i].used = FALSE;
    }
    for (i = 0; i < ENGINE_MAX_VIEWERS; i++) {
        if (ctx->viewers[i].used) {
            ctx->viewers[i].closing = TRUE;
        }
    }
    pthread_mutex_unlock(&ctx->viewersLock);
    viewersReap(ctx);
}
