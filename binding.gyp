{
  "targets": [
    {
      "target_name": "stowage_native",
      "sources": ["native/stowage.c"],
      "cflags": ["-Wall", "-O2"]
    },
    {
      "target_name": "stowage",
      "type": "executable",
      "sources": ["native/launcher.c"],
      "cflags": ["-Wall", "-O2"],
      "libraries": ["-lsqlite3"]
    },
    {
      "target_name": "stowage-keeper",
      "type": "executable",
      "sources": ["native/keeper.c"],
      "cflags": ["-Wall", "-O2"],
      "libraries": ["-lsqlite3"]
    }
  ]
}
