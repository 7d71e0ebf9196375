#include "engine.h"

#include <signal.h>
#include <stdlib.h>

/*
 * sightline-engine --channel <thing> --region <r> --credentials-endpoint <host> --role-alias <a>
 *   --thing <thing> --cert <pem> --key <pem> --ca <pem> --dtls-cert <pem> --dtls-key <pem>
 *   --pipeline '<gst launch line producing H.264>' [--control-plane https://…] [--stun stun:…]
 *   [--log-level 1-7] [--relay-only]
 *
 * Exits 78 for a setting that cannot work (bad pipeline, unreadable certificate), 1 for anything
 * else that stops it, 0 after SIGTERM/SIGINT. Signals are taken synchronously by the main loop, so
 * no state lives outside the one context.
 */

static VOID helloAgent(EngineContext* ctx)
{
    char json[256];
    SNPRINTF(json, SIZEOF(json), "{\"type\":\"viewer-gate\",\"fingerprint\":\"%s\"}", ctx->fingerprint);
    ipcSend(ctx, json);
}

static int run(EngineContext* ctx, sigset_t* stopSignals)
{
    STATUS retStatus = STATUS_SUCCESS;
    struct timespec tick = {0, 50 * 1000 * 1000};
    BOOL sdkReady = FALSE;

    if (STATUS_FAILED(ipcOpen(ctx))) {
        ENGINE_LOG("could not start the IPC reader");
        return ENGINE_EXIT_FAILED;
    }
    SET_LOGGER_LOG_LEVEL(ctx->options.logLevel);
    if (STATUS_FAILED(certificateLoad(ctx))) {
        ctx->exitCode = ENGINE_EXIT_CONFIG;
        goto CleanUp;
    }
    helloAgent(ctx);
    if (STATUS_FAILED(mediaStart(ctx))) {
        ctx->exitCode = ENGINE_EXIT_CONFIG;
        goto CleanUp;
    }
    ENGINE_SDK(ctx, initKvsWebRtc(), "start", "initKvsWebRtc");
    sdkReady = TRUE;
    if (STATUS_FAILED(signalingStart(ctx))) {
        ctx->exitCode = ENGINE_EXIT_FAILED;
        goto CleanUp;
    }

    while (!ctx->mustExit) {
        int signal = sigtimedwait(stopSignals, NULL, &tick);
        if (signal == SIGTERM || signal == SIGINT) {
            ENGINE_LOG("stopping on signal %d", signal);
            ctx->exitCode = ENGINE_EXIT_OK;
            break;
        }
        gateTick(ctx);
        viewersReap(ctx);
        viewersReport(ctx);
    }

CleanUp:
    if (STATUS_FAILED(retStatus) && ctx->exitCode == ENGINE_EXIT_OK) {
        ctx->exitCode = ENGINE_EXIT_FAILED;
    }
    ctx->mustExit = TRUE;
    if (ctx->signalingConnected) {
        ctx->signalingConnected = FALSE;
        ipcStreaming(ctx, FALSE);
    }
    mediaStop(ctx);
    viewersFreeAll(ctx);
    signalingStop(ctx);
    gateFree(ctx);
    if (sdkReady) {
        deinitKvsWebRtc();
    }
    certificateFree(ctx);
    ipcClose(ctx);
    return ctx->exitCode;
}

int main(int argc, char** argv)
{
    EngineContext* ctx;
    sigset_t stopSignals;
    pthread_mutexattr_t recursive;
    int code;

    /* Blocked before any thread starts, so only the main loop's sigtimedwait ever takes them. */
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Line by line even into a pipe, so the agent logs what happened when it happened. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    setvbuf(stderr, NULL, _IOLBF, 0);

    ctx = (EngineContext*) calloc(1, sizeof(EngineContext));
    if (ctx == NULL) {
        return ENGINE_EXIT_FAILED;
    }
    if (parseOptions(argc, argv, &ctx->options) != 0) {
        free(ctx);
        return ENGINE_EXIT_CONFIG;
    }
    ctx->signaling = INVALID_SIGNALING_CLIENT_HANDLE_VALUE;
    pthread_mutexattr_init(&recursive);
    pthread_mutexattr_settype(&recursive, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&ctx->gateLock, &recursive);
    pthread_mutex_init(&ctx->viewersLock, &recursive);
    pthread_mutexattr_destroy(&recursive);

    code = run(ctx, &stopSignals);
    free(ctx);
    return code;
}
