#include "engine.h"

/*
 * The camera's signaling client: MASTER on the channel named after its thing, with KVS
 * credentials from the AWS IoT credentials provider (the device certificate and key, by path;
 * the SDK refreshes them before they expire). `streaming` to the agent means signaling is
 * connected, from the SDK's state callback, never from log text.
 */

static STATUS onStateChanged(UINT64 customData, SIGNALING_CLIENT_STATE state)
{
    EngineContext* ctx = (EngineContext*) customData;
    BOOL connected = state == SIGNALING_CLIENT_STATE_CONNECTED;
    PCHAR name = NULL;
    if (connected != ctx->signalingConnected) {
        ctx->signalingConnected = connected;
        signalingClientGetStateString(state, &name);
        ENGINE_LOG("signaling %s (%s)", connected ? "connected" : "lost", name != NULL ? name : "?");
        ipcStreaming(ctx, connected);
    }
    return STATUS_SUCCESS;
}

static STATUS onError(UINT64 customData, STATUS status, PCHAR message, UINT32 length)
{
    EngineContext* ctx = (EngineContext*) customData;
    char text[256];
    SNPRINTF(text, SIZEOF(text), "%.*s", (int) MIN(length, SIZEOF(text) - 1), message != NULL ? message : "");
    engineError(ctx, "signaling", status, "signaling reported 0x%08x: %s", status, text);
    /* These mean the client cannot go on as it is; the agent restarts the engine with backoff. */
    if (status == STATUS_SIGNALING_ICE_CONFIG_REFRESH_FAILED || status == STATUS_SIGNALING_RECONNECT_FAILED) {
        ctx->exitCode = ENGINE_EXIT_FAILED;
        ctx->mustExit = TRUE;
    }
    return STATUS_SUCCESS;
}

static STATUS onMessage(UINT64 customData, PReceivedSignalingMessage received)
{
    EngineContext* ctx = (EngineContext*) customData;
    PSignalingMessage message = &received->signalingMessage;
    switch (message->messageType) {
        case SIGNALING_MESSAGE_TYPE_OFFER:
            gateOffer(ctx, message->peerClientId, message->payload, message->payloadLen);
            break;
        case SIGNALING_MESSAGE_TYPE_ICE_CANDIDATE:
            viewerCandidate(ctx, message->peerClientId, message->payload, message->payloadLen);
            break;
        case SIGNALING_MESSAGE_TYPE_GO_AWAY:
            /* The SDK reconnects by itself on GO_AWAY; nothing to do but note it. */
            ENGINE_LOG("signaling asked to reconnect (GO_AWAY)");
            break;
        default:
            break;
    }
    return STATUS_SUCCESS;
}

STATUS signalingStart(EngineContext* ctx)
{
    STATUS retStatus = STATUS_SUCCESS;
    EngineOptions* o = &ctx->options;

    pthread_mutex_init(&ctx->sendLock, NULL);
    ENGINE_SDK(ctx,
               createLwsIotCredentialProvider((PCHAR) o->credentialsEndpoint, (PCHAR) o->deviceCertPath, (PCHAR) o->deviceKeyPath,
                                              (PCHAR) o->caCertPath, (PCHAR) o->roleAlias, (PCHAR) o->thingName, &ctx->credentialProvider),
               "credentials", "createLwsIotCredentialProvider");

    ctx->channelInfo.version = CHANNEL_INFO_CURRENT_VERSION;
    ctx->channelInfo.pChannelName = (PCHAR) o->channelName;
    ctx->channelInfo.pRegion = (PCHAR) o->region;
    ctx->channelInfo.pControlPlaneUrl = (PCHAR) o->controlPlaneUrl;
    ctx->channelInfo.pCertPath = (PCHAR) o->caCertPath;
    ctx->channelInfo.channelType = SIGNALING_CHANNEL_TYPE_SINGLE_MASTER;
    ctx->channelInfo.channelRoleType = SIGNALING_CHANNEL_ROLE_TYPE_MASTER;
    /* No endpoint cache file: a camera's endpoints come fresh from the control plane at each start. */
    ctx->channelInfo.cachingPolicy = SIGNALING_API_CALL_CACHE_TYPE_NONE;
    ctx->channelInfo.retry = TRUE;
    ctx->channelInfo.reconnect = TRUE;

    ctx->callbacks.version = SIGNALING_CLIENT_CALLBACKS_CURRENT_VERSION;
    ctx->callbacks.customData = (UINT64) ctx;
    ctx->callbacks.messageReceivedFn = onMessage;
    ctx->callbacks.stateChangeFn = onStateChanged;
    ctx->callbacks.errorReportFn = onError;

    ctx->clientInfo.version = SIGNALING_CLIENT_INFO_CURRENT_VERSION;
    ctx->clientInfo.loggingLevel = o->logLevel;
    ctx->clientInfo.signalingClientCreationMaxRetryAttempts = CREATE_SIGNALING_CLIENT_RETRY_ATTEMPTS_SENTINEL_VALUE;
    STRNCPY(ctx->clientInfo.clientId, o->thingName, MAX_SIGNALING_CLIENT_ID_LEN);

    ENGINE_SDK(ctx, createSignalingClientSync(&ctx->clientInfo, &ctx->channelInfo, &ctx->callbacks, ctx->credentialProvider, &ctx->signaling),
               "signaling", "createSignalingClientSync");
    ENGINE_SDK(ctx, signalingClientFetchSync(ctx->signaling), "signaling", "signalingClientFetchSync (describe, endpoint, ICE servers)");
    ENGINE_SDK(ctx, signalingClientConnectSync(ctx->signaling), "signaling", "signalingClientConnectSync");

CleanUp:
    return retStatus;
}

STATUS signalingSend(EngineContext* ctx, SIGNALING_MESSAGE_TYPE type, const char* clientId, const char* payload, UINT32 len)
{
    STATUS retStatus = STATUS_SUCCESS;
    SignalingMessage message;

    MEMSET(&message, 0, SIZEOF(message));
    message.version = SIGNALING_MESSAGE_CURRENT_VERSION;
    message.messageType = type;
    STRNCPY(message.peerClientId, clientId, MAX_SIGNALING_CLIENT_ID_LEN);
    message.payloadLen = MIN(len, MAX_SIGNALING_MESSAGE_LEN);
    MEMCPY(message.payload, payload, message.payloadLen);
    if (type == SIGNALING_MESSAGE_TYPE_ANSWER) {
        SNPRINTF(message.correlationId, MAX_CORRELATION_ID_LEN, "%llu", (unsigned long long) GETTIME());
    }
    pthread_mutex_lock(&ctx->sendLock);
    retStatus = signalingClientSendMessageSync(ctx->signaling, &message);
    pthread_mutex_unlock(&ctx->sendLock);
    if (STATUS_FAILED(retStatus)) {
        engineError(ctx, "signaling", retStatus, "signalingClientSendMessageSync to %s failed with status 0x%08x", clientId, retStatus);
    }
    return retStatus;
}

VOID signalingStop(EngineContext* ctx)
{
    if (IS_VALID_SIGNALING_CLIENT_HANDLE(ctx->signaling)) {
        freeSignalingClient(&ctx->signaling);
    }
    if (ctx->credentialProvider != NULL) {
        freeIotCredentialProvider(&ctx->credentialProvider);
    }
}
