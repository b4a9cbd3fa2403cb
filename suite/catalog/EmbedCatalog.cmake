# Compiles statements.json into a C++ source at configure time with CMake's own
# JSON parser, so no build (native, mingw-w64 cross, MSVC) needs Python. The
# catalog is checked here too: a malformed entry stops the configure instead
# of reaching a runner.
#
# Every string is emitted as hex escapes with an explicit length, which keeps
# the generated source independent of the compiler's source character set and
# of MSVC's string-literal limits; the file itself becomes a char array.

# A std::string_view expression holding exactly the bytes of value.
function(_wsac_string_view out value)
  string(LENGTH "${value}" length)
  if(length EQUAL 0)
    set(${out} "std::string_view()" PARENT_SCOPE)
    return()
  endif()
  string(HEX "${value}" hex)
  string(REGEX REPLACE "(..)" "\\\\x\\1" escaped "${hex}")
  set(${out} "std::string_view(\"${escaped}\", ${length})" PARENT_SCOPE)
endfunction()

# A JSON member of object that must be a string; empty allowed only if allow_empty.
function(_wsac_json_string out object member where allow_empty)
  string(JSON type ERROR_VARIABLE error TYPE "${object}" ${member})
  if(error OR NOT type STREQUAL "STRING")
    message(FATAL_ERROR "statements.json: ${where}: \"${member}\" must be a string")
  endif()
  string(JSON value GET "${object}" ${member})
  if(NOT allow_empty AND value STREQUAL "")
    message(FATAL_ERROR "statements.json: ${where}: \"${member}\" must not be empty")
  endif()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

function(wsac_embed_catalog json_file out_file)
  file(READ "${json_file}" json)
  file(READ "${json_file}" json_hex HEX)
  string(JSON type ERROR_VARIABLE error TYPE "${json}")
  if(error)
    message(FATAL_ERROR "statements.json is not valid JSON: ${error}")
  endif()
  if(NOT type STREQUAL "OBJECT")
    message(FATAL_ERROR "statements.json: the top level must be an object")
  endif()

  _wsac_json_string(version "${json}" version "top level" FALSE)
  string(JSON type ERROR_VARIABLE error TYPE "${json}" statements)
  if(error OR NOT type STREQUAL "ARRAY")
    message(FATAL_ERROR "statements.json: top level: \"statements\" must be an array")
  endif()
  string(JSON count LENGTH "${json}" statements)
  if(count EQUAL 0)
    message(FATAL_ERROR "statements.json: no statements")
  endif()

  set(ids "")
  set(codes_cc "")
  set(statements_cc "")
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    string(JSON stmt GET "${json}" statements ${i})
    _wsac_json_string(id "${stmt}" id "statement ${i}" FALSE)
    if(NOT id MATCHES "^(S[1-9][0-9]*|[A-Z]+-[1-9][0-9]*)$")
      message(FATAL_ERROR "statements.json: \"${id}\" is not of the form S<n> or <GROUP>-<n>")
    endif()
    if(id IN_LIST ids)
      message(FATAL_ERROR "statements.json: \"${id}\" appears twice")
    endif()
    list(APPEND ids "${id}")
    _wsac_json_string(level "${stmt}" level "${id}" FALSE)
    if(NOT level MATCHES "^(MUST|MAY|INFO)$")
      message(FATAL_ERROR "statements.json: ${id}: level \"${level}\" is not MUST, MAY or INFO")
    endif()
    _wsac_json_string(text "${stmt}" text "${id}" FALSE)
    _wsac_json_string(source "${stmt}" source "${id}" FALSE)
    _wsac_json_string(reference "${stmt}" reference_behaviour "${id}" TRUE)
    string(JSON type ERROR_VARIABLE error TYPE "${stmt}" applies_to)
    if(error OR NOT type STREQUAL "OBJECT")
      message(FATAL_ERROR "statements.json: ${id}: \"applies_to\" must be an object")
    endif()

    set(codes_ref "nullptr")
    set(code_count 0)
    string(JSON type ERROR_VARIABLE error TYPE "${stmt}" accepted_codes)
    if(NOT error)
      if(NOT type STREQUAL "ARRAY")
        message(FATAL_ERROR "statements.json: ${id}: \"accepted_codes\" must be an array")
      endif()
      string(JSON code_count LENGTH "${stmt}" accepted_codes)
      if(code_count GREATER 0)
        set(values "")
        math(EXPR last_code "${code_count} - 1")
        foreach(j RANGE ${last_code})
          string(JSON code GET "${stmt}" accepted_codes ${j})
          if(NOT code MATCHES "^-?[0-9]+$")
            message(FATAL_ERROR "statements.json: ${id}: accepted code \"${code}\" is not an integer")
          endif()
          string(APPEND values "${code}, ")
        endforeach()
        string(APPEND codes_cc "const std::int64_t kCodes${i}[] = {${values}};  // ${id}\n")
        set(codes_ref "kCodes${i}")
      endif()
    endif()

    _wsac_string_view(id_sv "${id}")
    _wsac_string_view(level_sv "${level}")
    _wsac_string_view(text_sv "${text}")
    _wsac_string_view(source_sv "${source}")
    _wsac_string_view(reference_sv "${reference}")
    string(APPEND statements_cc "    // ${id}\n    {${id_sv},\n     ${level_sv},\n     ${text_sv},\n"
                                "     ${source_sv},\n     ${reference_sv},\n     ${codes_ref}, ${code_count}},\n")
  endforeach()

  # The file's bytes, 24 to a line.
  string(LENGTH "${json_hex}" hex_length)
  math(EXPR json_size "${hex_length} / 2")
  set(json_cc "")
  set(offset 0)
  while(offset LESS hex_length)
    string(SUBSTRING "${json_hex}" ${offset} 48 chunk)
    string(REGEX REPLACE "(..)" "'\\\\x\\1'," chunk "${chunk}")
    string(APPEND json_cc "    ${chunk}\n")
    math(EXPR offset "${offset} + 48")
  endwhile()

  _wsac_string_view(version_sv "${version}")
  set(content "// Generated from suite/catalog/statements.json by EmbedCatalog.cmake at configure time.
// Do not edit: change the JSON and re-run CMake (the build does it by itself).
#include \"suite/catalog/catalog_data.h\"

namespace wsac::catalog_data {
namespace {

const char kJson[${json_size}] = {
${json_cc}};

${codes_cc}
const RawStatement kStatements[${count}] = {
${statements_cc}};

}  // namespace

const RawCatalog& Generated() {
  static const RawCatalog catalog{std::string_view(kJson, sizeof kJson), ${version_sv}, kStatements, ${count}};
  return catalog;
}

}  // namespace wsac::catalog_data
")

  # Rewrite only on change, so re-configuring does not rebuild the runner.
  set(old "")
  if(EXISTS "${out_file}")
    file(READ "${out_file}" old)
  endif()
  if(NOT old STREQUAL content)
    file(WRITE "${out_file}" "${content}")
  endif()
endfunction()
