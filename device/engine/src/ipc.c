#include "engine.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * The IPC channel to the agent. Node opens it for a child spawned with an 'ipc' stdio entry and
 * names its descriptor in NODE_CHANNEL_FD; with JSON serialization each message is one JSON
 * document on one line, both ways. Run by hand (no NODE_CHANNEL_FD), events go to stderr and no
 * viewer is ever vouched for.
 */

static VOID ipcDispatch(EngineContext* ctx, const char* line);

static VOID* ipcReadLoop(VOID* arg)
{
    EngineContext* ctx = (EngineContext*) arg;
    char buffer[65536];
    size_t used = 0;
    ssize_t n;
    char *start, *newline;

    while (!ctx->mustExit) {
        n = read(ctx->ipcFd, buffer + used, SIZEOF(buffer) - 1 - used);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0 && ctx->mustExit) {
            break; /* ipcClose shut the channel: the engine is stopping with its own exit code */
        }
        if (n <= 0) {
            /* The agent is gone: an engine without its agent must not stream on. */
            ENGINE_LOG("the agent closed the IPC channel; stopping");
            ctx->exitCode = ENGINE_EXIT_FAILED;
            ctx->mustExit = TRUE;
            break;
        }
        used += (size_t) n;
        buffer[used] = '\0';
        start = buffer;
        while ((newline = strchr(start, '\n')) != NULL) {
            *newline = '\0';
            ipcDispatch(ctx, start);
            start = newline + 1;
        }
        used = (size_t) (buffer + used - start);
        memmove(buffer, start, used);
        if (used == SIZEOF(buffer) - 1) {
            ENGINE_LOG("an IPC message over %zu bytes was dropped", used);
            used = 0;
        }
    }
    return NULL;
}

static VOID ipcDispatch(EngineContext* ctx, const char* line)
{
    AgentMessage message;
    if (!jsonParseMessage(line, &message)) {
        ENGINE_LOG("ignored an IPC message that is not a JSON object");
        return;
    }
    /* `viewers` is the whole of `desired.viewers`: it replaces what the gate knew. */
    if (message.hasViewers) {
        gateReplaceViewers(ctx, message.viewers, message.viewerCount);
    }
    if (STRCMP(message.type, "refresh") == 0) {
        gateRefreshed(ctx, message.id, message.hasError || !message.hasViewers);
    }
}

STATUS ipcOpen(EngineContext* ctx)
{
    const char* fd = getenv("NODE_CHANNEL_FD");
    ctx->ipcFd = -1;
    pthread_mutex_init(&ctx->ipcLock, NULL);
    if (fd == NULL || fd[0] == '\0') {
        ENGINE_LOG("no agent IPC channel (NODE_CHANNEL_FD): events go to stderr and every offer is refused");
        return STATUS_SUCCESS;
    }
    ctx->ipcFd = atoi(fd);
    if (pthread_create(&ctx->ipcReader, NULL, ipcReadLoop, ctx) != 0) {
        return STATUS_INTERNAL_ERROR;
    }
    return STATUS_SUCCESS;
}

VOID ipcSend(EngineContext* ctx, const char* json)
{
    size_t len = strlen(json), done = 0;
    ssize_t n;
    if (ctx->ipcFd < 0) {
        fprintf(stderr, "sightline-engine event: %s\n", json);
        return;
    }
    pthread_mutex_lock(&ctx->ipcLock);
    while (done < len) {
        n = write(ctx->ipcFd, json + done, len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        done += (size_t) n;
    }
    while (write(ctx->ipcFd, "\n", 1) < 0 && errno == EINTR) {
    }
    pthread_mutex_unlock(&ctx->ipcLock);
}

VOID ipcStreaming(EngineContext* ctx, BOOL streaming)
{
    ipcSend(ctx, streaming ? "{\"type\":\"streaming\",\"value\":true}" : "{\"type\":\"streaming\",\"value\":false}");
}

VOID ipcError(EngineContext* ctx, const char* stage, STATUS status, const char* message)
{
    char escaped[1024], json[1400];
    jsonEscape(message, escaped, SIZEOF(escaped));
    SNPRINTF(json, SIZEOF(json), "{\"type\":\"engine-error\",\"stage\":\"%s\",\"status\":\"0x%08x\",\"message\":\"%s\"}", stage, status,
             escaped);
    ipcSend(ctx, json);
}

VOID engineError(EngineContext* ctx, const char* stage, STATUS status, const char* fmt, ...)
{
    char message[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, SIZEOF(message), fmt, args);
    va_end(args);
    ENGINE_LOG("%s: %s", stage, message);
    ipcError(ctx, stage, status, message);
}

VOID ipcClose(EngineContext* ctx)
{
    if (ctx->ipcFd >= 0) {
        /* Unblocks the reader, which then sees mustExit. */
        shutdown(ctx->ipcFd, SHUT_RDWR);
        pthread_join(ctx->ipcReader, NULL);
        close(ctx->ipcFd);
        ctx->ipcFd = -1;
    }
}
