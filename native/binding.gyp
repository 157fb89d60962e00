{
  # One Node-API addon; ABI-stable, so the same build loads on Node 20, 22 and 24.
  # Built by scripts/build-native.mjs (run at install). Linux only: futex and /proc.
  "targets": [
    {
      "target_name": "multiproc_shm",
      "sources": ["shm.cc"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-lpthread"]
    }
  ]
}
