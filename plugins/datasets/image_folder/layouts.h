// Where the images of an image_folder dataset are and what class each is:
// the layouts of image_folder.proto (sub-folders, a list file, and the
// benchmark layouts of CUB-200-2011, Stanford Online Products and In-Shop),
// read from their text files and folders only (no image is opened here).
#ifndef SIAMESE_PLUGINS_DATASETS_IMAGE_FOLDER_LAYOUTS_H_
#define SIAMESE_PLUGINS_DATASETS_IMAGE_FOLDER_LAYOUTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "plugins/datasets/image_folder/image_folder.pb.h"

namespace siamese {

struct ImageEntry {
  std::string path;   // the image file
  int64_t label = 0;  // index into ImageList::class_names
  // With ImageList::query_gallery, a test image of the gallery (else a
  // query).
  bool gallery = false;
};

struct ImageList {
  // The training split's classes first, then the test split's others, so
  // both splits number classes alike (the framework's convention).
  std::vector<std::string> class_names;
  std::vector<ImageEntry> train, test;  // in the layout's order
  std::vector<std::string> list_files;  // text files read (for the manifest)
  // Folders left out as unreadable (skip_bad_files), "<path>: <reason>".
  std::vector<std::string> skipped;
  // The test split is queries and a gallery (In-Shop: queries retrieve from
  // the gallery), as ImageEntry::gallery says.
  bool query_gallery = false;
};

// Lists the images of `params.layout()` under `params.root()`.
// Errors name the file and line (list files) or the folder: a missing or
// unreadable root, list file or folder (unless skip_bad_files, for class
// folders), a malformed line, an unknown split, a class on both sides of a
// class-disjoint benchmark split, fewer than two classes, no images.
absl::StatusOr<ImageList> ListImages(const ImageFolderParams& params);

// The LIST layout's parser, for a list file's bytes; `path` names it in
// errors and `root` prefixes relative image paths (fuzzed).
absl::StatusOr<ImageList> ParseImageList(absl::string_view text, const std::string& path,
                                         const std::string& root);

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_DATASETS_IMAGE_FOLDER_LAYOUTS_H_
