# One ISA's static library for binding.gyp: its sources, defines and flags from native/sources.json
# (the variable lib names its entry there).
{
  "sources": ["<!@(node -p \"<(lib).sources.join(' ')\")"],
  "include_dirs": ["<!@(node -p \"<(src).includeDirs.join(' ')\")"],
  "defines": ["<!@(node -p \"<(lib).defines.join(' ')\")"],
  "cflags": ["-fPIC"],
  "cflags_cc": ["<!@(node -p \"<(gcc_flags).join(' ')\")", "-fPIC", "<!@(node -p \"<(lib).flags.join(' ')\")"],
  "xcode_settings": {
    "CLANG_CXX_LANGUAGE_STANDARD": "<!(node -p \"<(src).std\")",
    "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
    "OTHER_CPLUSPLUSFLAGS": ["<!(node -p \"<(src).optimize.gcc\")", "<!@(node -p \"<(lib).flags.join(' ')\")"]
  },
  "msvs_settings": {
    "VCCLCompilerTool": { "AdditionalOptions": ["<!@(node -p \"<(msvc_flags).join(' ')\")", "<!@(node -p \"<(lib).msvcFlags.join(' ')\")"] }
  }
}
