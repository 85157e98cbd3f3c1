{
  "targets": [
    {
      "target_name": "stowage_native",
      "sources": ["native/stowage.c"],
      "cflags": ["-Wall", "-O2"]
    }
  ]
}
