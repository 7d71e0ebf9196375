#!/usr/bin/env bash
# npm run build:engine: builds the pinned KVS WebRTC C SDK and its dependencies into a cache outside
# the checkout (once per version and options), then our engine against it, into dist/engine/.
#
# Sources come only from the vendored archives (SIGHTLINE_KVS_VENDOR, default ../shared/vendor/
# kvs-webrtc-c beside the checkout), with every download path switched off: see the archives' README
# for why each option is set. A rebuild with a warm cache only compiles the engine (seconds).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
vendor="${SIGHTLINE_KVS_VENDOR:-$root/../shared/vendor/kvs-webrtc-c}"
cache="${SIGHTLINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sightline}"
jobs="$(nproc 2>/dev/null || echo 2)"

sdk=amazon-kinesis-video-streams-webrtc-sdk-c-1.16.0
producer=amazon-kinesis-video-streams-producer-c-1.6.1
pic=amazon-kinesis-video-streams-pic-1.2.0
lws=libwebsockets-4.3.5

[ -f "$vendor/$sdk.tar.gz" ] || { echo "build:engine: no $sdk.tar.gz in $vendor (set SIGHTLINE_KVS_VENDOR)" >&2; exit 1; }


build_sdk() {
  local work="$cache/build-$key"
  local stage="$prefix.partial"
  rm -rf "$work" "$stage"
  mkdir -p "$work" "$stage"
  for a in "$sdk" "$producer" "$pic" "$lws"; do tar -xzf "$vendor/$a.tar.gz" -C "$work"; done
  export GIT_ALLOW_PROTOCOL=file   # any clone a CMake file still attempts fails at once
  export PKG_CONFIG_PATH="$stage/lib/pkgconfig:$stage/lib64/pkgconfig"
  local common=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$stage" -DCMAKE_PREFIX_PATH="$stage"
    -DCMAKE_INSTALL_RPATH='$ORIGIN:$ORIGIN/../lib' -DCMAKE_EXPORT_NO_PACKAGE_REGISTRY=ON)

  echo "build:engine: libwebsockets"
  cmake -S "$work/$lws" -B "$work/lws-build" "${common[@]}" -DLWS_WITHOUT_SERVER=ON \
    -DLWS_WITH_MINIMAL_EXAMPLES=OFF -DDISABLE_WERROR=ON -DLWS_WITHOUT_TESTAPPS=ON >"$work/lws.log"
  cmake --build "$work/lws-build" -j"$jobs" --target install >>"$work/lws.log"

  echo "build:engine: PIC"
  cp "$vendor/pic-1.3-compat/Environment.c" "$work/$pic/src/utils/src/Environment.c"
  patch -d "$work/$pic" -p1 -s <"$vendor/pic-1.3-compat/include-h.diff"
  cmake -S "$work/$pic" -B "$work/pic-build" "${common[@]}" -DBUILD_DEPENDENCIES=OFF \
    -DCMAKE_C_FLAGS=-D_GNU_SOURCE >"$work/pic.log"
  cmake --build "$work/pic-build" -j"$jobs" --target install >>"$work/pic.log"

  echo "build:engine: producer-c (IoT credentials provider)"
  cmake -S "$work/$producer" -B "$work/producer-build" "${common[@]}" -DBUILD_DEPENDENCIES=OFF \
    -DBUILD_COMMON_LWS=ON -DBUILD_COMMON_CURL=OFF -DUSE_OPENSSL=ON >"$work/producer.log"
  cmake --build "$work/producer-build" -j"$jobs" --target install >>"$work/producer.log"

  echo "build:engine: KVS WebRTC C SDK"
  cmake -S "$work/$sdk" -B "$work/sdk-build" "${common[@]}" -DBUILD_DEPENDENCIES=OFF \
    -DOPEN_SRC_INSTALL_PREFIX="$stage" -DIOT_CORE_ENABLE_CREDENTIALS=ON -DBUILD_SAMPLE=ON >"$work/sdk.log"
  cmake --build "$work/sdk-build" -j"$jobs" --target install >>"$work/sdk.log"
  # The install puts the stock samples, unmodified, in bin/: the local cloud is checked against them.
  mkdir -p "$stage/certs"
  cp "$work/$sdk/certs/cert.pem" "$stage/certs/cert.pem"
  rm -rf "$work" "$prefix"
  mv "$stage" "$prefix"
  # Older builds of this version (other options) are of no further use.
  find "$cache" -maxdepth 1 -name 'kvs-webrtc-c-1.16.0-*' ! -name "$(basename "$prefix")" -exec rm -rf {} +
}

# The cache key: the archives and the SDK build steps above, so a changed option or version builds
# afresh, while a change to the engine alone does not.
key="$( (declare -f build_sdk; for a in "$sdk" "$producer" "$pic" "$lws"; do sha256sum "$vendor/$a.tar.gz" | cut -c1-64; done; cat "$vendor"/pic-1.3-compat/*) | sha256sum | cut -c1-12)"
prefix="$cache/kvs-webrtc-c-1.16.0-$key"

started=$SECONDS
if [ -f "$prefix/include/com/amazonaws/kinesis/video/webrtcclient/Include.h" ]; then
  echo "build:engine: SDK cached at $prefix"
else
  build_sdk || { echo "build:engine: the SDK build failed; logs under $cache/build-$key" >&2; exit 1; }
fi

out="$root/dist/engine"
# A build folder made against another SDK prefix starts over (CMake keeps what it found).
grep -qF "KVS_PREFIX:PATH=$prefix" "$out/build/CMakeCache.txt" 2>/dev/null || rm -rf "$out/build"
cmake -S "$root/device/engine" -B "$out/build" -DCMAKE_BUILD_TYPE=Release -DKVS_PREFIX="$prefix" >/dev/null
cmake --build "$out/build" -j"$jobs"
# Replaced by rename, so a running engine keeps its file and the next start gets the new one.
cp "$out/build/sightline-engine" "$out/.sightline-engine.tmp" && mv -f "$out/.sightline-engine.tmp" "$out/sightline-engine"
ln -sfn "$prefix" "$out/sdk"
echo "build:engine: dist/engine/sightline-engine in $((SECONDS - started)) s"
