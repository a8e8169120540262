{
  "targets": [
    {
      "target_name": "attnkit",
      "sources": [
        "native/napi/addon.cc",
        "native/napi/sdpa_args.cc",
        "native/napi/sdpa_worker.cc",
        "native/dispatch/kernel_table.cpp",
        "native/kernels/scalar/sdpa_f32.cpp",
        "native/probes/probes.cpp",
        "native/probes/probe_loops_generic.cpp"
      ],
      "conditions": [
        ["target_arch=='x64'", {
          "dependencies": ["attnkit_probes_avx2"],
          "defines": ["ATTNKIT_PROBES_AVX2=1"]
        }]
      ],
      "include_dirs": ["native/include"],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-O3", "-fvisibility=hidden"],
      "xcode_settings": {
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
        "OTHER_CPLUSPLUSFLAGS": ["-O3"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17", "/O2"] }
      }
    },
    {
      "target_name": "attnkit_probes_avx2",
      "type": "static_library",
      "conditions": [
        ["target_arch=='x64'", {
          "sources": ["native/probes/probe_loops_avx2.cpp"],
          "cflags_cc": ["-std=c++17", "-O2", "-fPIC", "-mavx2", "-mfma"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O2", "-mavx2", "-mfma"] },
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/arch:AVX2"] } }
        }]
      ]
    }
  ]
}
