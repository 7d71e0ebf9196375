#include "engine.h"

#include <getopt.h>
#include <stdlib.h>

/*
 * The engine's settings, one flag each, as the agent passes them (device/agent/engines.ts). Every
 * missing setting is named, so a bad config says what to fix rather than failing later.
 */
int parseOptions(int argc, char** argv, EngineOptions* o)
{
    static const struct option flags[] = {
        {"channel", required_argument, NULL, 'c'},     {"region", required_argument, NULL, 'r'},
        {"control-plane", required_argument, NULL, 'p'}, {"credentials-endpoint", required_argument, NULL, 'e'},
        {"role-alias", required_argument, NULL, 'a'},  {"thing", required_argument, NULL, 't'},
        {"cert", required_argument, NULL, 'C'},        {"key", required_argument, NULL, 'K'},
        {"ca", required_argument, NULL, 'A'},          {"dtls-cert", required_argument, NULL, 'd'},
        {"dtls-key", required_argument, NULL, 'k'},    {"pipeline", required_argument, NULL, 'g'},
        {"stun", required_argument, NULL, 's'},        {"log-level", required_argument, NULL, 'l'},
        {"relay-only", no_argument, NULL, 'R'},        {NULL, 0, NULL, 0},
    };
    int c, missing = 0;
    MEMSET(o, 0, SIZEOF(*o));
    o->logLevel = LOG_LEVEL_WARN;
    while ((c = getopt_long(argc, argv, "", flags, NULL)) != -1) {
        switch (c) {
            case 'c': o->channelName = optarg; break;
            case 'r': o->region = optarg; break;
            case 'p': o->controlPlaneUrl = optarg; break;
            case 'e': o->credentialsEndpoint = optarg; break;
            case 'a': o->roleAlias = optarg; break;
            case 't': o->thingName = optarg; break;
            case 'C': o->deviceCertPath = optarg; break;
            case 'K': o->deviceKeyPath = optarg; break;
            case 'A': o->caCertPath = optarg; break;
            case 'd': o->dtlsCertPath = optarg; break;
            case 'k': o->dtlsKeyPath = optarg; break;
            case 'g': o->pipeline = optarg; break;
            case 's': o->stunUrl = optarg; break;
            case 'l': o->logLevel = (UINT32) strtoul(optarg, NULL, 10); break;
            case 'R': o->relayOnly = TRUE; break;
            default: return -1;
        }
    }
#define REQUIRE(field, flag)                                                                                                                         \
    if (o->field == NULL || o->field[0] == '\0') {                                                                                                   \
        ENGINE_LOG("missing --%s", flag);                                                                                                            \
        missing++;                                                                                                                                   \
    }
    REQUIRE(channelName, "channel");
    REQUIRE(region, "region");
    REQUIRE(credentialsEndpoint, "credentials-endpoint");
    REQUIRE(roleAlias, "role-alias");
    REQUIRE(thingName, "thing");
    REQUIRE(deviceCertPath, "cert");
    REQUIRE(deviceKeyPath, "key");
    REQUIRE(caCertPath, "ca");
    REQUIRE(dtlsCertPath, "dtls-cert");
    REQUIRE(dtlsKeyPath, "dtls-key");
    REQUIRE(pipeline, "pipeline");
#undef REQUIRE
    if (o->logLevel < LOG_LEVEL_VERBOSE || o->logLevel > LOG_LEVEL_SILENT) {
        ENGINE_LOG("--log-level must be 1 (verbose) to 7 (silent)");
        missing++;
    }
    return missing == 0 ? 0 : -1;
}
