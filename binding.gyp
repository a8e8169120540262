{
  "targets": [
    {
      "target_name": "attnkit",
      "sources": [
        "native/napi/addon.cc",
        "native/napi/sdpa_args.cc",
        "native/napi/sdpa_worker.cc",
        "native/napi/linear_args.cc",
        "native/dispatch/kernel_table.cpp",
        "native/kernels/scalar/sdpa_f32.cpp",
        "native/kernels/scalar/gemm_f32.cpp"
      ],
      "include_dirs": ["native/include"],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-O3", "-fvisibility=hidden"],
      "conditions": [
        ["target_arch=='x64' and OS!='win'", { "dependencies": ["attnkit_gemm_avx2"], "defines": ["ATTNKIT_HAVE_GEMM_AVX2=1"] }]
      ],
      "xcode_settings": {
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
        "OTHER_CPLUSPLUSFLAGS": ["-O3"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17", "/O2"] }
      }
    }
  ],
  "conditions": [
    ["target_arch=='x64' and OS!='win'", {
      "targets": [
        {
          "target_name": "attnkit_gemm_avx2",
          "type": "static_library",
          "sources": ["native/kernels/avx2/gemm_f32_6x16.cpp"],
          "include_dirs": ["native/include"],
          "defines": ["ATTNKIT_HAVE_GEMM_AVX2=1"],
          "cflags": ["-fPIC"],
          "cflags_cc": ["-std=c++17", "-O3", "-fvisibility=hidden", "-mavx2", "-mfma"],
          "xcode_settings": { "CLANG_CXX_LANGUAGE_STANDARD": "c++17", "OTHER_CPLUSPLUSFLAGS": ["-O3", "-mavx2", "-mfma"] }
        }
      ]
    }]
  ]
}
