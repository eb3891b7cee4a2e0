#include "plugins/datasets/image_folder/layouts.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "framework/io/atomic_file.h"

namespace siamese {
namespace {

std::string Join(const std::string& root, absl::string_view rel) {
  if (!rel.empty() && rel[0] == '/') return std::string(rel);
  return absl::StrCat(root, root.empty() || root.back() == '/' ? "" : "/", rel);
}

// Builds an ImageList from (path, class key, test?) triples: classes keep
// the order `train_order` and `test_order` give (training classes first).
class Builder {
 public:
  void Add(std::string path, const std::string& key, bool test, bool gallery = false) {
    items_.push_back({std::move(path), key, test, gallery});
  }
  // Class names in order: those of training items sorted by `less`, then
  // the test items' others. `name` maps a key to its display name.
  template <typename Less, typename Name>
  absl::StatusOr<ImageList> Finish(Less less, Name name, const std::string& where) {
    std::vector<std::string> train_keys, test_keys;
    std::set<std::string> seen;
    for (const Item& it : items_) {
      if (!it.test && seen.insert(it.key).second) train_keys.push_back(it.key);
    }
    for (const Item& it : items_) {
      if (it.test && seen.insert(it.key).second) test_keys.push_back(it.key);
    }
    std::sort(train_keys.begin(), train_keys.end(), less);
    std::sort(test_keys.begin(), test_keys.end(), less);
    ImageList out;
    std::map<std::string, int64_t> id;
    for (const auto* keys : {&train_keys, &test_keys}) {
      for (const std::string& k : *keys) {
        id[k] = static_cast<int64_t>(out.class_names.size());
        out.class_names.push_back(name(k));
      }
    }
    for (Item& it : items_) {
      (it.test ? out.test : out.train).push_back({it.path, id[it.key], it.gallery});
    }
    if (out.train.empty() || out.test.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": no ",
                                                     out.train.empty() ? "training" : "test",
                                                     " images (", out.train.size(), " training, ",
                                                     out.test.size(), " test)"));
    }
    return out;
  }

 private:
  struct Item {
    std::string path, key;
    bool test;
    bool gallery;
  };
  std::vector<Item> items_;
};

bool NumericLess(const std::string& a, const std::string& b) {
  int64_t x = 0, y = 0;
  if (absl::SimpleAtoi(a, &x) && absl::SimpleAtoi(b, &y) && x != y) return x < y;
  return a < b;
}

// Non-empty lines without '#' comments, with their 1-based numbers.
std::vector<std::pair<int, absl::string_view>> Lines(absl::string_view text) {
  std::vector<std::pair<int, absl::string_view>> out;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    out.emplace_back(number, line);
  }
  return out;
}

std::vector<absl::string_view> Fields(absl::string_view line) {
  if (line.find('\t') != absl::string_view::npos) {
    std::vector<absl::string_view> f = absl::StrSplit(line, '\t');
    for (auto& s : f) s = absl::StripAsciiWhitespace(s);
    return f;
  }
  return absl::StrSplit(line, ' ', absl::SkipEmpty());
}

absl::Status LineError(const std::string& path, int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ":", line, ": ", what));
}

absl::StatusOr<std::string> Read(const std::string& path) { return ReadFile(path); }

// Sorted names of the entries of `dir` (without "." and ".."); errors name it.
absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat(dir, ": cannot read folder"));
  }
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;  // ".", "..", hidden files
    names.push_back(e->d_name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool IsImageName(const std::string& name) {
  const std::string lower = absl::AsciiStrToLower(name);
  for (const char* ext : {".jpg", ".jpeg", ".png"}) {
    const size_t n = std::strlen(ext);
    if (lower.size() > n && lower.compare(lower.size() - n, n, ext) == 0) return true;
  }
  return false;
}

// The images of class folder `dir`; an unreadable one is an error, or
// skipped (recorded) with skip_bad_files. Entries that are not folders but
// cannot be inspected (a dangling link) count as unreadable folders too.
absl::Status AddClassFolder(const std::string& dir, const std::string& cls, bool test, bool skip,
                            Builder* b, ImageList* skipped) {
  auto names = ListDir(dir);
  if (!names.ok()) {
    if (!skip) return names.status();
    skipped->skipped.push_back(std::string(names.status().message()));
    return absl::OkStatus();
  }
  for (const std::string& n : *names) {
    if (IsImageName(n)) b->Add(Join(dir, n), cls, test);
  }
  return absl::OkStatus();
}

absl::StatusOr<ImageList> Folders(const ImageFolderParams& p) {
  const std::string& root = p.root();
  auto top = ListDir(root);
  if (!top.ok()) return top.status();
  Builder b;
  ImageList skipped;
  const bool given_splits = IsDir(Join(root, "train")) && IsDir(Join(root, "test"));
  if (given_splits) {
    for (const bool test : {false, true}) {
      const std::string split = Join(root, test ? "test" : "train");
      auto classes = ListDir(split);
      if (!classes.ok()) return classes.status();
      for (const std::string& c : *classes) {
        const std::string dir = Join(split, c);
        if (IsImageName(c) && !IsDir(dir)) continue;  // a stray image
        if (absl::Status s = AddClassFolder(dir, c, test, p.skip_bad_files(), &b, &skipped);
            !s.ok()) {
          return s;
        }
      }
    }
  } else {
    std::vector<std::string> classes;
    for (const std::string& c : *top) {
      struct stat st;
      const std::string dir = Join(root, c);
      // Class folders; a regular file at the top (a README) is no class,
      // but an entry stat cannot inspect is an unreadable folder.
      if (stat(dir.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) classes.push_back(c);
    }
    if (classes.size() < 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          root, ": found ", classes.size(),
          " class folders; expected one sub-folder per class, at least two (or train/ and test/)"));
    }
    const int64_t n = static_cast<int64_t>(classes.size());
    const int64_t held = std::min<int64_t>(
        n - 1, std::max<int64_t>(1, std::llround(p.test_class_fraction() * n)));
    for (int64_t i = 0; i < n; ++i) {
      if (absl::Status s = AddClassFolder(Join(root, classes[i]), classes[i], i >= n - held,
                                          p.skip_bad_files(), &b, &skipped);
          !s.ok()) {
        return s;
      }
    }
  }
  auto out = b.Finish([](const std::string& a, const std::string& c) { return a < c; },
                      [](const std::string& k) { return k; }, root);
  if (!out.ok()) return out.status();
  out->skipped = std::move(skipped.skipped);
  return out;
}

absl::StatusOr<ImageList> Cub(const ImageFolderParams& p) {
  const std::string images_txt = Join(p.root(), "images.txt");
  const std::string labels_txt = Join(p.root(), "image_class_labels.txt");
  auto images = Read(images_txt);
  if (!images.ok()) return images.status();
  auto labels = Read(labels_txt);
  if (!labels.ok()) return labels.status();
  std::map<std::string, std::string> path_of;  // image id -> relative path
  std::vector<std::string> order;
  for (const auto& [n, line] : Lines(*images)) {
    const auto f = Fields(line);
    if (f.size() != 2) return LineError(images_txt, n, "expected \"<image_id> <path>\"");
    if (!path_of.emplace(std::string(f[0]), std::string(f[1])).second) {
      return LineError(images_txt, n, absl::StrCat("image id ", f[0], " is listed twice"));
    }
    order.emplace_back(f[0]);
  }
  std::map<std::string, std::string> class_of;
  std::set<std::string, bool (*)(const std::string&, const std::string&)> ids(NumericLess);
  for (const auto& [n, line] : Lines(*labels)) {
    const auto f = Fields(line);
    int64_t id = 0;
    if (f.size() != 2 || !absl::SimpleAtoi(f[1], &id) || id < 1) {
      return LineError(labels_txt, n, "expected \"<image_id> <class_id>\", class_id >= 1");
    }
    if (!path_of.count(std::string(f[0]))) {
      return LineError(labels_txt, n, absl::StrCat("image id ", f[0], " is not in ", images_txt));
    }
    class_of[std::string(f[0])] = std::string(f[1]);
    ids.insert(std::string(f[1]));
  }
  std::map<std::string, std::string> names;  // optional classes.txt
  if (auto classes = Read(Join(p.root(), "classes.txt")); classes.ok()) {
    for (const auto& [n, line] : Lines(*classes)) {
      const auto f = Fields(line);
      if (f.size() == 2) names[std::string(f[0])] = std::string(f[1]);
    }
  }
  // The conventional class-disjoint split: the first half of the class ids
  // (CUB's 1-100) train, the rest (101-200) test.
  std::set<std::string> train_ids;
  for (const std::string& id : ids) {
    if (train_ids.size() >= ids.size() / 2) break;
    train_ids.insert(id);
  }
  Builder b;
  for (const std::string& id : order) {
    auto c = class_of.find(id);
    if (c == class_of.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(labels_txt, ": image id ", id, " of ", images_txt, " has no class"));
    }
    b.Add(Join(Join(p.root(), "images"), path_of[id]), c->second, !train_ids.count(c->second));
  }
  auto out = b.Finish(NumericLess,
                      [&](const std::string& k) { return names.count(k) ? names[k] : k; },
                      images_txt);
  if (!out.ok()) return out.status();
  out->list_files = {images_txt, labels_txt};
  return out;
}

absl::StatusOr<ImageList> Sop(const ImageFolderParams& p) {
  Builder b;
  std::map<std::string, std::string> side;  // class id -> file it came from
  std::vector<std::string> files;
  for (const bool test : {false, true}) {
    const std::string path = Join(p.root(), test ? "Ebay_test.txt" : "Ebay_train.txt");
    auto text = Read(path);
    if (!text.ok()) return text.status();
    files.push_back(path);
    bool header = true;
    for (const auto& [n, line] : Lines(*text)) {
      if (header) {  // "image_id class_id super_class_id path"
        header = false;
        if (absl::StartsWith(line, "image_id")) continue;
      }
      const auto f = Fields(line);
      int64_t id = 0;
      if (f.size() != 4 || !absl::SimpleAtoi(f[1], &id)) {
        return LineError(path, n, "expected \"<image_id> <class_id> <super_class_id> <path>\"");
      }
      const std::string cls(f[1]);
      auto [it, added] = side.emplace(cls, path);
      if (!added && it->second != path) {
        return LineError(path, n,
                         absl::StrCat("class ", cls, " is also in ", it->second,
                                      "; the splits must be class-disjoint"));
      }
      b.Add(Join(p.root(), f[3]), cls, test);
    }
  }
  auto out = b.Finish(NumericLess, [](const std::string& k) { return k; }, p.root());
  if (!out.ok()) return out.status();
  out->list_files = files;
  return out;
}

absl::StatusOr<ImageList> InShop(const ImageFolderParams& p) {
  const std::string path = Join(p.root(), "list_eval_partition.txt");
  auto text = Read(path);
  if (!text.ok()) return text.status();
  Builder b;
  std::map<std::string, bool> item_test;
  const auto lines = Lines(*text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& [n, line] = lines[i];
    const auto f = Fields(line);
    // The count line and the header "image_name item_id evaluation_status".
    if (i < 2 && (f.size() == 1 || (f.size() == 3 && f[0] == "image_name"))) continue;
    if (f.size() != 3) return LineError(path, n, "expected \"<image_name> <item_id> <status>\"");
    bool test;
    if (f[2] == "train") {
      test = false;
    } else if (f[2] == "query" || f[2] == "gallery") {
      test = true;
    } else {
      return LineError(path, n,
                       absl::StrCat("evaluation_status \"", f[2],
                                    "\" is not train, query or gallery"));
    }
    auto [it, added] = item_test.emplace(std::string(f[1]), test);
    if (!added && it->second != test) {
      return LineError(path, n,
                       absl::StrCat("item ", f[1], " is in both the train and the query/gallery "
                                    "partitions; they must be class-disjoint"));
    }
    b.Add(Join(p.root(), f[0]), std::string(f[1]), test, f[2] == "gallery");
  }
  auto out = b.Finish([](const std::string& a, const std::string& c) { return a < c; },
                      [](const std::string& k) { return k; }, path);
  if (!out.ok()) return out.status();
  out->list_files = {path};
  out->query_gallery = true;
  return out;
}

}  // namespace

absl::StatusOr<ImageList> ParseImageList(absl::string_view text, const std::string& path,
                                         const std::string& root) {
  Builder b;
  for (const auto& [n, line] : Lines(text)) {
    const auto f = Fields(line);
    if (f.size() != 3 || f[0].empty() || f[1].empty()) {
      return LineError(path, n, "expected \"<path> <label> <split>\" (3 fields)");
    }
    if (f[2] != "train" && f[2] != "test") {
      return LineError(path, n, absl::StrCat("split \"", f[2], "\" is not train or test"));
    }
    b.Add(Join(root, f[0]), std::string(f[1]), f[2] == "test");
  }
  auto out = b.Finish([](const std::string& a, const std::string& c) { return a < c; },
                      [](const std::string& k) { return k; }, path);
  if (!out.ok()) return out.status();
  out->list_files = {path};
  return out;
}

absl::StatusOr<ImageList> ListImages(const ImageFolderParams& p) {
  switch (p.layout()) {
    case ImageFolderParams::LIST: {
      const std::string path = Join(p.root(), p.list_file());
      auto text = Read(path);
      if (!text.ok()) return text.status();
      return ParseImageList(*text, path, p.root());
    }
    case ImageFolderParams::CUB:
      return Cub(p);
    case ImageFolderParams::SOP:
      return Sop(p);
    case ImageFolderParams::INSHOP:
      return InShop(p);
    case ImageFolderParams::FOLDERS:
    default:
      return Folders(p);
  }
}

}  // namespace siamese
