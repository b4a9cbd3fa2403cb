# cmake -DFROM=... -DTO=... -P link_or_copy.cmake: TO becomes a hard link to
# FROM (a copy where the file system cannot link), so each sample directory
# holds the runner without another 60 MB on disk.
file(REMOVE ${TO})
file(CREATE_LINK ${FROM} ${TO} COPY_ON_ERROR)
