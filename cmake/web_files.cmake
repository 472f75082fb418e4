# posd_web_files(OUT HEADER NAMESPACE FILES...): compiles browser files into
# the binary. Writes OUT, a C++ file defining `web_files()` and
# `web_file_count()` of HEADER in NAMESPACE, each file under its own name
# (http::AssetFile); a file that changes reconfigures the build.
function(posd_web_files out header namespace)
  set(files ${ARGN})
  list(SORT files)
  set(cpp "#include \"${header}\"\nnamespace ${namespace} {\nnamespace {\nconst http::AssetFile kFiles[] = {\n")
  foreach(path IN LISTS files)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${path})
    get_filename_component(name ${path} NAME)
    file(READ ${path} body)
    string(APPEND cpp "  {\"${name}\", R\"posd_web(${body})posd_web\"},\n")
  endforeach()
  string(APPEND cpp "};\n}  // namespace\nconst http::AssetFile* web_files() { return kFiles; }\n"
    "size_t web_file_count() { return sizeof kFiles / sizeof kFiles[0]; }\n}  // namespace ${namespace}\n")
  file(CONFIGURE OUTPUT ${out} CONTENT "${cpp}" @ONLY)
endfunction()
