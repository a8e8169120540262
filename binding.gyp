{
  "targets": [
    {
      "target_name": "attnkit",
      "sources": [
        "native/napi/addon.cc",
        "native/napi/sdpa_args.cc",
        "native/napi/sdpa_worker.cc",
        "native/napi/sdpa_backward_args.cc",
        "native/napi/sdpa_backward_worker.cc",
        "native/napi/linear_args.cc",
        "native/dispatch/kernel_table.cpp",
        "native/dispatch/cpu_features.cpp",
        "native/threading/thread_pool.cpp",
        "native/kernels/scalar/sdpa_f32.cpp",
        "native/kernels/scalar/sdpa_f32_flash.cpp",
        "native/kernels/scalar/sdpa_bwd_f32.cpp",
        "native/kernels/scalar/gemm_f32.cpp"
      ],
      "conditions": [
        ["target_arch=='x64'", {
          "dependencies": ["attnkit_avx2", "attnkit_avx512"],
          "defines": ["ATTNKIT_HAVE_AVX2", "ATTNKIT_HAVE_AVX512"]
        }],
        ["target_arch=='arm64'", {
          "sources": ["native/kernels/neon/sdpa_f32_flash.cpp", "native/kernels/neon/sdpa_bwd_f32.cpp"],
          "defines": ["ATTNKIT_HAVE_NEON"]
        }],
        ["target_arch=='x64' and OS!='win'", {
          "dependencies": ["attnkit_gemm_avx2", "attnkit_avx512_bf16"],
          "defines": ["ATTNKIT_HAVE_GEMM_AVX2=1", "ATTNKIT_HAVE_AVX512_BF16=1"]
        }],
        ["OS!='win'", { "libraries": ["-lpthread"] }]
      ],
      "include_dirs": ["native/include"],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      # A promise settled while a worker_thread's env is torn down (worker.terminate() mid-call) cannot
      # reach JS: node-addon-api swallows that throw instead of aborting the process.
      "defines": ["NAPI_VERSION=8", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
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
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          # The AVX2+FMA kernels alone with their flags: nothing else is built with -mavx2, since
          # this code runs only after dispatch/cpu_features.cpp has checked the CPU and the OS.
          "target_name": "attnkit_avx2",
          "type": "static_library",
          "sources": ["native/kernels/avx2/sdpa_f32_flash.cpp", "native/kernels/avx2/sdpa_bwd_f32.cpp"],
          "include_dirs": ["native/include"],
          "cflags": ["-fPIC"],
          "cflags_cc": ["-std=c++17", "-O3", "-fvisibility=hidden", "-fPIC", "-mavx2", "-mfma", "-mf16c"],
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
            "OTHER_CPLUSPLUSFLAGS": ["-O3", "-mavx2", "-mfma", "-mf16c"]
          },
          "msvs_settings": {
            "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17", "/O2", "/arch:AVX2"] }
          }
        },
        {
          # The AVX-512 kernels (attention, linear()'s zmm GEMM), likewise alone with their flags (dispatch
          # checks the CPU and that the OS saves zmm state first).
          "target_name": "attnkit_avx512",
          "type": "static_library",
          "sources": ["native/kernels/avx512/sdpa_f32_flash.cpp", "native/kernels/avx512/sdpa_f32_flash_zmm.cpp", "native/kernels/avx512/sdpa_bwd_f32.cpp",
                      "native/kernels/avx512/gemm_f32_8x48.cpp"],
          "include_dirs": ["native/include"],
          "cflags": ["-fPIC"],
          "cflags_cc": ["-std=c++17", "-O3", "-fvisibility=hidden", "-fPIC", "-mavx512f", "-mavx512vl", "-mavx512dq", "-mavx512bw", "-mavx2", "-mfma", "-mf16c"],
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
            "OTHER_CPLUSPLUSFLAGS": ["-O3", "-mavx512f", "-mavx512vl", "-mavx512dq", "-mavx512bw", "-mavx2", "-mfma", "-mf16c"]
          },
          "msvs_settings": {
            "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17", "/O2", "/arch:AVX512"] }
          }
        }
      ]
    }],
    ["target_arch=='x64' and OS!='win'", {
      "targets": [
        {
          # The linear() GEMM micro-kernel, AVX2+FMA flags on this file only.
          "target_name": "attnkit_gemm_avx2",
          "type": "static_library",
          "sources": ["native/kernels/avx2/gemm_f32_6x16.cpp", "native/kernels/avx2/gemv_f32_avx2.cpp"],
          "include_dirs": ["native/include"],
          "defines": ["ATTNKIT_HAVE_GEMM_AVX2=1"],
          "cflags": ["-fPIC"],
          "cflags_cc": ["-std=c++17", "-O3", "-fvisibility=hidden", "-fPIC", "-mavx2", "-mfma", "-mf16c"],
          "xcode_settings": { "CLANG_CXX_LANGUAGE_STANDARD": "c++17", "OTHER_CPLUSPLUSFLAGS": ["-O3", "-mavx2", "-mfma", "-mf16c"] }
        },
        {
          # The bf16 prefill kernel: the AVX-512 flags and -mavx512bf16, on this file only (dispatch checks
          # cpuid for AVX512_BF16 before calling it).
          "target_name": "attnkit_avx512_bf16",
          "type": "static_library",
          "sources": ["native/kernels/avx512/sdpa_f32_flash_bf16.cpp"],
          "include_dirs": ["native/include"],
          "defines": ["ATTNKIT_HAVE_AVX512_BF16=1"],
          "cflags": ["-fPIC"],
          "cflags_cc": ["-std=c++17", "-O3", "-fvisibility=hidden", "-fPIC", "-mavx512f", "-mavx512vl", "-mavx512dq", "-mavx512bw", "-mavx512bf16", "-mavx2", "-mfma", "-mf16c"],
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
            "OTHER_CPLUSPLUSFLAGS": ["-O3", "-mavx512f", "-mavx512vl", "-mavx512dq", "-mavx512bw", "-mavx512bf16", "-mavx2", "-mfma", "-mf16c"]
          }
        }
      ]
    }]
  ]
}
