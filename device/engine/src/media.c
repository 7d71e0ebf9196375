#include "engine.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

/*
 * Media: the GStreamer pipeline from the agent's config, ending in H.264 byte-stream access units
 * at an appsink this file adds. On a Pi: libcamerasrc/v4l2src with the hardware encoder; in tests:
 * videotestsrc with x264enc. Each access unit goes to every connected viewer; a new viewer (or a
 * picture-loss report) asks the encoder for a keyframe, so nobody waits a whole GOP.
 */

#define SINK_CAPS "video/x-h264,stream-format=byte-stream,alignment=au"

static VOID* mediaLoop(VOID* arg)
{
    EngineContext* ctx = (EngineContext*) arg;
    GstAppSink* sink = GST_APP_SINK(ctx->sink);
    GstBus* bus = gst_element_get_bus(GST_ELEMENT(ctx->pipeline));
    Frame frame;
    UINT32 index = 0;

    MEMSET(&frame, 0, SIZEOF(frame));
    frame.version = FRAME_CURRENT_VERSION;
    frame.trackId = DEFAULT_VIDEO_TRACK_ID;

    while (!ctx->mustExit) {
        GstMessage* message;
        GstSample* sample;

        if (ctx->keyframeWanted) {
            ctx->keyframeWanted = FALSE;
            mediaRequestKeyframe(ctx);
        }
        while ((message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR | GST_MESSAGE_EOS)) != NULL) {
            if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
                GError* error = NULL;
                gst_message_parse_error(message, &error, NULL);
                engineError(ctx, "media", STATUS_INTERNAL_ERROR, "the pipeline failed: %s", error != NULL ? error->message : "unknown error");
                g_clear_error(&error);
            } else {
                engineError(ctx, "media", STATUS_INTERNAL_ERROR, "the pipeline ended (EOS)");
            }
            gst_message_unref(message);
            ctx->exitCode = ENGINE_EXIT_FAILED;
            ctx->mustExit = TRUE;
        }
        sample = gst_app_sink_try_pull_sample(sink, 100 * GST_MSECOND);
        if (sample == NULL) {
            continue;
        }
        {
            GstBuffer* buffer = gst_sample_get_buffer(sample);
            GstMapInfo map;
            if (buffer != NULL && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
                BOOL delta = GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
                frame.flags = delta ? FRAME_FLAG_NONE : FRAME_FLAG_KEY_FRAME;
                frame.index = index++;
                frame.presentationTs = GETTIME();
                frame.decodingTs = frame.presentationTs;
                frame.frameData = (PBYTE) map.data;
                frame.size = (UINT32) map.size;
                viewersWrite(ctx, &frame);
                gst_buffer_unmap(buffer, &map);
            }
            gst_sample_unref(sample);
        }
    }
    gst_object_unref(bus);
    return NULL;
}

STATUS mediaStart(EngineContext* ctx)
{
    STATUS retStatus = STATUS_SUCCESS;
    GError* error = NULL;
    GstElement* pipeline = NULL;
    GstStateChangeReturn state;
    gchar* launch;

    gst_init(NULL, NULL);
    /* A capsfilter element, not bare caps: two caps strings in a row do not parse. */
    launch = g_strdup_printf("%s ! capsfilter caps=\"" SINK_CAPS "\" ! appsink name=sightline-video sync=false max-buffers=4 drop=true",
                             ctx->options.pipeline);
    pipeline = gst_parse_launch(launch, &error);
    g_free(launch);
    ENGINE_CHECK(ctx, pipeline != NULL && error == NULL, "media", STATUS_INVALID_ARG, "the pipeline is not valid: %s",
                 error != NULL ? error->message : "unknown error");
    ctx->pipeline = pipeline;
    ctx->sink = gst_bin_get_by_name(GST_BIN(pipeline), "sightline-video");
    ENGINE_CHECK(ctx, ctx->sink != NULL, "media", STATUS_INVALID_ARG, "the pipeline has no appsink");

    state = gst_element_set_state(pipeline, GST_STATE_PLAYING);
    ENGINE_CHECK(ctx, state != GST_STATE_CHANGE_FAILURE, "media", STATUS_INVALID_OPERATION, "the pipeline could not start");
    ENGINE_CHECK(ctx, pthread_create(&ctx->mediaThread, NULL, mediaLoop, ctx) == 0, "media", STATUS_INTERNAL_ERROR,
                 "could not start the media thread");

CleanUp:
    if (error != NULL) {
        g_clear_error(&error);
    }
    return retStatus;
}

VOID mediaRequestKeyframe(EngineContext* ctx)
{
    GstPad* pad;
    if (ctx->sink == NULL) {
        return;
    }
    /*
     * Pushed from the sink's pad to its peer, so it travels upstream to the encoder, which makes the
     * next frame an IDR with SPS/PPS. (Sent *to* the sink pad it would go the wrong way and be
     * dropped, and a new viewer would wait for the next scheduled keyframe.)
     */
    pad = gst_element_get_static_pad(GST_ELEMENT(ctx->sink), "sink");
    if (pad != NULL) {
        if (!gst_pad_push_event(pad, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0))) {
            ENGINE_LOG("the pipeline did not take the keyframe request");
        }
        gst_object_unref(pad);
    }
}

VOID mediaStop(EngineContext* ctx)
{
    if (ctx->pipeline == NULL) {
        return;
    }
    if (ctx->mediaThread != 0) {
        pthread_join(ctx->mediaThread, NULL);
    }
    gst_element_set_state(GST_ELEMENT(ctx->pipeline), GST_STATE_NULL);
    if (ctx->sink != NULL) {
        gst_object_unref(ctx->sink);
    }
    gst_object_unref(ctx->pipeline);
    ctx->pipeline = NULL;
    ctx->sink = NULL;
}
