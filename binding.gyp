{
  # Release build of the addon (npm install, prebuildify). Mirrors CMakeLists.txt:
  # the same strict float flags everywhere, ISA flags only on that ISA's library,
  # never -march=native. scripts/sources.js gives both builds the same file lists.
  "target_defaults": {
    "cflags!": ["-fno-exceptions", "-O3"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++1y", "-std=gnu++14", "-std=gnu++17", "-O3"],
    "cflags": ["-O2"],
    "cflags_cc": [
      "-std=c++17", "-fexceptions", "-O2",
      "-ffp-contract=off", "-fno-fast-math", "-fno-unsafe-math-optimizations",
      "-fno-finite-math-only", "-fsigned-zeros", "-ftrapping-math", "-fno-math-errno"
    ],
    "include_dirs": ["native/include", "native"],
    "conditions": [
      ["target_arch=='ia32'", { "cflags_cc": ["-msse2", "-mfpmath=sse"] }]
    ]
  },
  "targets": [
    {
      "target_name": "aivm_cpu_scalar",
      "type": "static_library",
      "sources": ["<!@(node scripts/sources.js isa)"],
      "defines": ["AIVM_ISA_NS=scalar"],
      "cflags_cc": ["-fno-tree-vectorize", "-fno-tree-slp-vectorize"]
    },
    {
      "target_name": "aivm_cpu_avx2",
      "type": "static_library",
      "conditions": [["target_arch=='x64'", {
        "sources": ["<!@(node scripts/sources.js isa)"],
        "defines": ["AIVM_ISA_NS=avx2"],
        "cflags_cc": ["-mavx2", "-mfma", "-fvect-cost-model=dynamic"]
      }]]
    },
    {
      "target_name": "aivm_cpu_avx512",
      "type": "static_library",
      "conditions": [["target_arch=='x64'", {
        "sources": ["<!@(node scripts/sources.js isa)"],
        "defines": ["AIVM_ISA_NS=avx512"],
        "cflags_cc": ["-mavx512f", "-mavx2", "-mfma", "-mprefer-vector-width=512", "-fvect-cost-model=dynamic"]
      }]]
    },
    {
      "target_name": "aivm_cpu_neon",
      "type": "static_library",
      "conditions": [["target_arch=='arm64'", {
        "sources": ["<!@(node scripts/sources.js isa)"],
        "defines": ["AIVM_ISA_NS=neon"],
        "cflags_cc": ["-fvect-cost-model=dynamic"]
      }]]
    },
    {
      "target_name": "aivm_native",
      "sources": ["<!@(node scripts/sources.js core)", "<!@(node scripts/sources.js napi)"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "dependencies": ["aivm_cpu_scalar"],
      "conditions": [
        ["target_arch=='x64'", {
          "dependencies": ["aivm_cpu_avx2", "aivm_cpu_avx512"],
          "defines": ["AIVM_HAVE_SCALAR", "AIVM_HAVE_AVX2", "AIVM_HAVE_AVX512"]
        }],
        ["target_arch=='arm64'", {
          "dependencies": ["aivm_cpu_neon"],
          "defines": ["AIVM_HAVE_SCALAR", "AIVM_HAVE_NEON"]
        }]
      ]
    }
  ]
}
