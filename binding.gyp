{
  "targets": [
    {
      "target_name": "attnkit",
      "sources": [
        "native/napi/addon.cc",
        "native/napi/sdpa_args.cc",
        "native/napi/sdpa_worker.cc",
        "native/dispatch/kernel_table.cpp",
        "native/kernels/scalar/sdpa_f32.cpp"
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
    }
  ]
}
