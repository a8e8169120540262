# The sources, defines and per-ISA flags come from native/sources.json (also read by CMakeLists.txt and
# scripts/native-sources.cjs); this file says how node-gyp builds them: one static library per ISA.
{
  "variables": {
    # 0 leaves out the AVX-512 libraries (the best level is then avx2): `node-gyp rebuild -- -Dattnkit_avx512=0`,
    # for a compiler without AVX-512 support, or a check build on a CPU that could not run them anyway.
    "attnkit_avx512%": 1,
    "src": "require('./native/sources.json')",
    "gcc_flags": "['-std=' + <(src).std, <(src).optimize.gcc, ...<(src).gccFlags]",
    "msvc_flags": "['/std:' + <(src).std, <(src).optimize.msvc]"
  },
  "targets": [
    {
      "target_name": "attnkit",
      "sources": ["<!@(node -p \"<(src).sources.join(' ')\")"],
      "conditions": [
        ["target_arch=='x64'", {
          "dependencies": ["attnkit_avx2"],
          "defines": ["<!@(node -p \"<(src).libraries.attnkit_avx2.addonDefines.join(' ')\")"]
        }],
        ["target_arch=='x64' and attnkit_avx512==1", {
          "dependencies": ["attnkit_avx512"],
          "defines": ["<!@(node -p \"<(src).libraries.attnkit_avx512.addonDefines.join(' ')\")"]
        }],
        ["target_arch=='arm64'", {
          "sources": ["<!@(node -p \"<(src).arm64.sources.join(' ')\")"],
          "defines": ["<!@(node -p \"<(src).arm64.addonDefines.join(' ')\")"]
        }],
        ["target_arch=='x64' and OS!='win'", {
          "dependencies": ["attnkit_gemm_avx2"],
          "defines": ["<!@(node -p \"<(src).libraries.attnkit_gemm_avx2.addonDefines.join(' ')\")"]
        }],
        ["target_arch=='x64' and OS!='win' and attnkit_avx512==1", {
          "dependencies": ["attnkit_avx512_bf16"],
          "defines": ["<!@(node -p \"<(src).libraries.attnkit_avx512_bf16.addonDefines.join(' ')\")"]
        }],
        ["OS!='win'", { "libraries": ["-lpthread"] }]
      ],
      "include_dirs": ["<!@(node -p \"<(src).includeDirs.join(' ')\")"],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      # NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS: a promise settled while a worker_thread's env is torn
      # down (worker.terminate() mid-call) cannot reach JS: node-addon-api swallows that throw instead
      # of aborting the process.
      "defines": ["<!@(node -p \"<(src).defines.join(' ')\")"],
      "cflags_cc": ["<!@(node -p \"<(gcc_flags).join(' ')\")"],
      "xcode_settings": {
        "CLANG_CXX_LANGUAGE_STANDARD": "<!(node -p \"<(src).std\")",
        "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
        "OTHER_CPLUSPLUSFLAGS": ["<!(node -p \"<(src).optimize.gcc\")"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "AdditionalOptions": ["<!@(node -p \"<(msvc_flags).join(' ')\")"] }
      }
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "attnkit_avx2",
          "type": "static_library",
          "variables": { "lib": "<(src).libraries.attnkit_avx2" },
          "includes": ["native/isa-library.gypi"]
        }
      ]
    }],
    ["target_arch=='x64' and attnkit_avx512==1", {
      "targets": [
        {
          "target_name": "attnkit_avx512",
          "type": "static_library",
          "variables": { "lib": "<(src).libraries.attnkit_avx512" },
          "includes": ["native/isa-library.gypi"]
        }
      ]
    }],
    ["target_arch=='x64' and OS!='win'", {
      "targets": [
        {
          "target_name": "attnkit_gemm_avx2",
          "type": "static_library",
          "variables": { "lib": "<(src).libraries.attnkit_gemm_avx2" },
          "includes": ["native/isa-library.gypi"]
        }
      ]
    }],
    ["target_arch=='x64' and OS!='win' and attnkit_avx512==1", {
      "targets": [
        {
          "target_name": "attnkit_avx512_bf16",
          "type": "static_library",
          "variables": { "lib": "<(src).libraries.attnkit_avx512_bf16" },
          "includes": ["native/isa-library.gypi"]
        }
      ]
    }]
  ]
}
