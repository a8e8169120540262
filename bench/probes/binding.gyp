# The bench-only probes addon (`npm run build:probes`): FMA peak and read bandwidth, the yardsticks of
# `npm run bench`. Built apart from the attnkit addon, which ships without it.
{
  "targets": [
    {
      "target_name": "attnkit_probes",
      "sources": [
        "../../native/probes/probes_addon.cc",
        "../../native/probes/probes.cpp",
        "../../native/probes/probe_loops_generic.cpp"
      ],
      "conditions": [
        ["target_arch=='x64'", {
          "dependencies": ["attnkit_probe_loops_avx2", "attnkit_probe_loops_avx512"],
          "defines": ["ATTNKIT_PROBES_AVX2=1", "ATTNKIT_PROBES_AVX512=1"]
        }],
        ["OS!='win'", { "libraries": ["-lpthread"] }]
      ],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-O2", "-fvisibility=hidden"],
      "xcode_settings": { "CLANG_CXX_LANGUAGE_STANDARD": "c++17", "OTHER_CPLUSPLUSFLAGS": ["-O2"] },
      "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17", "/O2"] } }
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          # Each ISA's loop alone with its flags; probes.cpp asks the CPU before calling it.
          "target_name": "attnkit_probe_loops_avx2",
          "type": "static_library",
          "sources": ["../../native/probes/probe_loops_avx2.cpp"],
          "cflags_cc": ["-std=c++17", "-O2", "-fPIC", "-mavx2", "-mfma"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O2", "-mavx2", "-mfma"] },
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/arch:AVX2"] } }
        },
        {
          "target_name": "attnkit_probe_loops_avx512",
          "type": "static_library",
          "sources": ["../../native/probes/probe_loops_avx512.cpp"],
          "cflags_cc": ["-std=c++17", "-O2", "-fPIC", "-mavx512f", "-mavx2", "-mfma"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O2", "-mavx512f", "-mavx2", "-mfma"] },
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/arch:AVX512"] } }
        }
      ]
    }]
  ]
}
