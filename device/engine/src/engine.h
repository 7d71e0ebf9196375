/*
 * Sightline's camera media engine on the KVS WebRTC C SDK: one master on the camera's own signaling
 * channel, H.264 from a GStreamer pipeline to every viewer the cloud vouched for, one long-lived
 * DTLS certificate for all of them. The device agent (device/agent/) starts it, owns the MQTT
 * session and the shadow, and talks to it in JSON lines over the IPC channel it opens
 * (NODE_CHANNEL_FD): the same messages as the simulated engine (device/agent/viewer-gate.ts).
 *
 * All state lives in one EngineContext, made in main() and passed to every callback.
 */
#ifndef SIGHTLINE_ENGINE_H
#define SIGHTLINE_ENGINE_H

#include <com/amazonaws/kinesis/video/webrtcclient/Include.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <pthread.h>

#define ENGINE_FINGERPRINT_LEN 104 /* "sha-256 " + 32 hex pairs and colons + NUL */
#define ENGINE_MAX_VIEWERS 16      /* KVS allows 10 viewers per channel; a few more in flight */
#define ENGINE_MAX_ALLOWED 64
#define ENGINE_MAX_EARLY_CANDIDATES 32

/* Exit codes the agent tells apart: a bad setting is not worth restarting quickly. */
#define ENGINE_EXIT_OK 0
#define ENGINE_EXIT_FAILED 1
#define ENGINE_EXIT_CONFIG 78 /* EX_CONFIG, as the agent uses for its own config errors */

typedef struct {
    const char* channelName;         /* the thing name */
    const char* region;
    const char* controlPlaneUrl;     /* NULL: the region's KVS endpoint */
    const char* credentialsEndpoint; /* IoT credentials provider host */
    const char* roleAlias;
    const char* thingName;
    const char* deviceCertPath;
    const char* deviceKeyPath;
    const char* caCertPath;
    const char* dtlsCertPath;
    const char* dtlsKeyPath;
    const char* pipeline;            /* GStreamer launch line producing H.264 */
    const char* stunUrl;             /* NULL: the region's KVS STUN server */
    UINT32 logLevel;                 /* the SDK's LOG_LEVEL_* (1 verbose .. 7 silent) */
    BOOL relayOnly;
} EngineOptions;

/* An offer the gate holds until the cloud vouches for its viewer, or the wait ends. */
typedef struct {
    BOOL used;
    CHAR clientId[MAX_SIGNALING_CLIENT_ID_LEN + 1];
    CHAR fingerprint[ENGINE_FINGERPRINT_LEN];
    UINT64 waitUntil;  /* after this, ask the agent to read the shadow afresh */
    UINT32 refreshId;  /* non-zero once that read was asked for */
    PCHAR offer;       /* the offer's JSON payload, heap */
    UINT32 offerLen;
} PendingOffer;

typedef struct {
    BOOL used;
    CHAR clientId[MAX_SIGNALING_CLIENT_ID_LEN + 1];
    CHAR fingerprint[ENGINE_FINGERPRINT_LEN];
    UINT64 expiresAt; /* ms since the epoch: the viewer's session expires, and the gate drops it */
} AllowedViewer;

typedef struct {
    BOOL used;
    volatile BOOL connected;
    volatile BOOL closing; /* freed by the main loop, never inside an SDK callback */
    BOOL sawKeyframe;  /* frames go out from the first keyframe on */
    BOOL remoteCanTrickle;
    BOOL remoteSet;    /* candidates are added from here on, buffered before */
    CHAR clientId[MAX_SIGNALING_CLIENT_ID_LEN + 1];
    PRtcPeerConnection peerConnection;
    PRtcRtpTransceiver video;
    RtcSessionDescriptionInit answer;
    struct EngineContext* ctx;
} Viewer;

/* A viewer's ICE candidate that arrived before its connection could take it. */
typedef struct {
    BOOL used;
    CHAR clientId[MAX_SIGNALING_CLIENT_ID_LEN + 1];
    PCHAR payload; /* heap */
    UINT32 len;
    UINT64 receivedAt;
} EarlyCandidate;

typedef struct EngineContext {
    EngineOptions options;

    /* The IPC channel to the agent: JSON lines both ways; -1 when run by hand. */
    int ipcFd;
    pthread_mutex_t ipcLock;
    pthread_t ipcReader;

    /* Long-lived DTLS certificate, given to every peer connection. */
    X509* certificate;
    EVP_PKEY* privateKey;
    CHAR fingerprint[ENGINE_FINGERPRINT_LEN];

    PAwsCredentialProvider credentialProvider;
    SIGNALING_CLIENT_HANDLE signaling;
    SignalingClientInfo clientInfo;
    ChannelInfo channelInfo;
    SignalingClientCallbacks callbacks;
    pthread_mutex_t sendLock;
    volatile BOOL signalingConnected;
    volatile BOOL mustExit;
    volatile int exitCode;

    /* The gate: who the cloud allows now, who it ever allowed, offers waiting. */
    pthread_mutex_t gateLock;
    BOOL haveAllowed;
    AllowedViewer allowed[ENGINE_MAX_ALLOWED];
    CHAR everAllowed[ENGINE_MAX_ALLOWED][MAX_SIGNALING_CLIENT_ID_LEN + 1];
    UINT32 everAllowedCount;
    PendingOffer pending[ENGINE_MAX_VIEWERS];
    UINT32 nextRefreshId;

    /* Viewers with a peer connection; guarded by viewersLock. */
    pthread_mutex_t viewersLock;
    Viewer viewers[ENGINE_MAX_VIEWERS];
    EarlyCandidate early[ENGINE_MAX_EARLY_CANDIDATES];
    CHAR reportedConnected[1024];

    /* Media. */
    void* pipeline; /* GstElement* */
    void* sink;     /* GstElement* (appsink) */
    pthread_t mediaThread;
    volatile BOOL keyframeWanted;
} EngineContext;

/* options.c */
int parseOptions(int argc, char** argv, EngineOptions* options);

/* ipc.c: messages to the agent; events are also logged to stderr when there is no agent. */
STATUS ipcOpen(EngineContext* ctx);
VOID ipcSend(EngineContext* ctx, const char* json);
VOID ipcStreaming(EngineContext* ctx, BOOL streaming);
VOID ipcError(EngineContext* ctx, const char* stage, STATUS status, const char* message);
VOID ipcClose(EngineContext* ctx);

/* json.c: one message from the agent, as far as the engine reads it. */
typedef struct {
    CHAR type[32];
    UINT32 id;
    BOOL hasViewers;
    BOOL hasError;
    UINT32 viewerCount;
    AllowedViewer viewers[ENGINE_MAX_ALLOWED];
} AgentMessage;
VOID jsonEscape(const char* in, char* out, size_t outLen);
BOOL jsonParseMessage(const char* line, AgentMessage* out);

/* gate.c: DTLS fingerprint validation of viewers' offers (lambda/contract/fingerprints.ts). */
BOOL sdpFingerprint(const char* sdp, char* out);
VOID gateReplaceViewers(EngineContext* ctx, const AllowedViewer* viewers, UINT32 count);
VOID gateRefreshed(EngineContext* ctx, UINT32 id, BOOL failed);
BOOL gateAllows(EngineContext* ctx, const char* clientId);
VOID gateOffer(EngineContext* ctx, const char* clientId, PCHAR payload, UINT32 payloadLen);
VOID gateTick(EngineContext* ctx);
VOID gateFree(EngineContext* ctx);

/* certificate.c */
STATUS certificateLoad(EngineContext* ctx);
VOID certificateFree(EngineContext* ctx);

/* signaling.c */
STATUS signalingStart(EngineContext* ctx);
STATUS signalingSend(EngineContext* ctx, SIGNALING_MESSAGE_TYPE type, const char* clientId, const char* payload, UINT32 len);
VOID signalingStop(EngineContext* ctx);

/* viewers.c */
STATUS viewerAnswer(EngineContext* ctx, const char* clientId, PCHAR offer, UINT32 offerLen);
VOID viewerCandidate(EngineContext* ctx, const char* clientId, PCHAR payload, UINT32 len);
VOID viewerDrop(EngineContext* ctx, const char* clientId, const char* why);
VOID viewersDropNotAllowed(EngineContext* ctx);
VOID viewersReap(EngineContext* ctx);
VOID viewersReport(EngineContext* ctx);
VOID viewersWrite(EngineContext* ctx, PFrame frame);
VOID viewersFreeAll(EngineContext* ctx);

/* media.c */
STATUS mediaStart(EngineContext* ctx);
VOID mediaRequestKeyframe(EngineContext* ctx);
VOID mediaStop(EngineContext* ctx);

#define ENGINE_LOG(fmt, ...) fprintf(stderr, "sightline-engine: " fmt "\n", ##__VA_ARGS__)

/* Formats an error, logs it and sends it to the agent as an `engine-error` (ipc.c). */
VOID engineError(EngineContext* ctx, const char* stage, STATUS status, const char* fmt, ...) __attribute__((format(printf, 4, 5)));

/* In a function with `retStatus` and a `CleanUp:` label: fail with a message unless `cond`. */
#define ENGINE_CHECK(ctx, cond, stage, status, fmt, ...)                                                                                             \
    do {                                                                                                                                             \
        if (!(cond)) {                                                                                                                               \
            retStatus = (status);                                                                                                                    \
            engineError((ctx), (stage), retStatus, fmt, ##__VA_ARGS__);                                                                              \
            goto CleanUp;                                                                                                                            \
        }                                                                                                                                            \
    } while (0)

/* Every SDK call checked: its status code logged with what failed. */
#define ENGINE_SDK(ctx, call, stage, what)                                                                                                           \
    do {                                                                                                                                             \
        STATUS sdkStatus_ = (call);                                                                                                                  \
        if (STATUS_FAILED(sdkStatus_)) {                                                                                                             \
            retStatus = sdkStatus_;                                                                                                                  \
            engineError((ctx), (stage), retStatus, "%s failed with status 0x%08x", (what), retStatus);                                               \
            goto CleanUp;                                                                                                                            \
        }                                                                                                                                            \
    } while (0)

#endif
