#include "engine.h"

#include <openssl/pem.h>
#include <stdio.h>

/*
 * The camera's long-lived DTLS certificate, made by the agent at provisioning and kept like the
 * device key (device/agent/dtls-certificate.ts). Every peer connection uses it, so no certificate
 * is generated per viewer and the cloud can vouch for its one fingerprint (`reported.fingerprint`).
 */
STATUS certificateLoad(EngineContext* ctx)
{
    STATUS retStatus = STATUS_SUCCESS;
    FILE* f = NULL;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0, i;
    char* p;

    f = fopen(ctx->options.dtlsCertPath, "r");
    ENGINE_CHECK(ctx, f != NULL, "certificate", STATUS_OPEN_FILE_FAILED, "cannot read the DTLS certificate %s", ctx->options.dtlsCertPath);
    ctx->certificate = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    ENGINE_CHECK(ctx, ctx->certificate != NULL, "certificate", STATUS_INVALID_ARG, "%s is not a PEM certificate", ctx->options.dtlsCertPath);

    f = fopen(ctx->options.dtlsKeyPath, "r");
    ENGINE_CHECK(ctx, f != NULL, "certificate", STATUS_OPEN_FILE_FAILED, "cannot read the DTLS key %s", ctx->options.dtlsKeyPath);
    ctx->privateKey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    ENGINE_CHECK(ctx, ctx->privateKey != NULL, "certificate", STATUS_INVALID_ARG, "%s is not a PEM private key", ctx->options.dtlsKeyPath);
    ENGINE_CHECK(ctx, X509_check_private_key(ctx->certificate, ctx->privateKey) == 1, "certificate", STATUS_INVALID_ARG,
            "the DTLS key does not match its certificate");

    ENGINE_CHECK(ctx, X509_digest(ctx->certificate, EVP_sha256(), digest, &size) == 1 && size == 32, "certificate", STATUS_INTERNAL_ERROR,
            "cannot digest the DTLS certificate");
    p = ctx->fingerprint + SNPRINTF(ctx->fingerprint, SIZEOF(ctx->fingerprint), "sha-256 ");
    for (i = 0; i < size; i++) {
        p += SNPRINTF(p, 4, i == 0 ? "%02X" : ":%02X", digest[i]);
    }

CleanUp:
    return retStatus;
}

VOID certificateFree(EngineContext* ctx)
{
    if (ctx->certificate != NULL) {
        X509_free(ctx->certificate);
        ctx->certificate = NULL;
    }
    if (ctx->privateKey != NULL) {
        EVP_PKEY_free(ctx->privateKey);
        ctx->privateKey = NULL;
    }
}
