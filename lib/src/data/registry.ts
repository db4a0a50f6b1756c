/**
 * The dataset registry: name -> canonical URL(s), byte size, checksum, file format, and the files a loader reads.
 *
 * Where the checksums come from (looked up in November 2026; none could be re-measured here, there is no internet):
 *  - sha256 and sizes: TensorFlow Datasets' `tensorflow_datasets/url_checksums/<name>.txt` files
 *    (github.com/tensorflow/datasets: cifar10.txt, cifar100.txt, svhn_cropped.txt, stl10.txt, mnist.txt,
 *    fashion_mnist.txt), which record `url  size  sha256` for every file TFDS downloads.
 *  - md5 (kept as a second, independent witness; verification uses sha256): torchvision's dataset sources
 *    (`torchvision/datasets/{cifar,svhn,stl10,mnist}.py`) and the dataset authors' pages (the CIFAR page lists
 *    c32a1d4a... for the binary CIFAR-10 archive).
 * Every file below has a sha256, so no file falls back to md5-only verification.
 *
 * The Debian package `dataset-fashion-mnist` (0.0~git20200523.55506a9-1) ships the same idx content with a
 * normalised gzip header (no file name, fixed mtime: 23-24 bytes shorter than upstream, exactly the length of the
 * stored file name), so its files have their own sha256, measured here and recorded in FASHION_MNIST_DEBIAN.
 */
import { DatasetError } from "./errors";

export type DatasetName = "cifar10" | "cifar100" | "svhn" | "stl10" | "mnist" | "fashion-mnist";

/** On-disk format a loader parses. */
export type DatasetFormat =
  | "cifar10-binary" // records of 1 label byte + 3072 pixel bytes (CHW, 32x32x3)
  | "cifar100-binary" // records of 1 coarse + 1 fine label byte + 3072 pixel bytes
  | "svhn-mat" // MATLAB v5 .mat, X uint8 32x32x3xN column-major, y double Nx1 with 10 meaning digit 0
  | "stl10-binary" // uint8 3x96x96 column-major per image; labels uint8 1..10
  | "idx"; // LeCun's idx format, gzip-compressed

/** One file to download. */
export interface RemoteFile {
  /** File name under `data/downloads/<dataset>/`. */
  file: string;
  /** Canonical URL (the one TFDS records). */
  url: string;
  /** Other URLs serving byte-identical content, tried in order after `url`. */
  mirrors: string[];
  /** Exact size in bytes. */
  bytes: number;
  /** Lower-case hex sha256 of the whole file. */
  sha256: string;
  /** Lower-case hex md5, where a second source publishes one (informational). */
  md5?: string;
  /** Where the checksum was found. */
  checksumSource: string;
}

/** A file inside an archive that the loader needs; extracted to `data/downloads/<dataset>/<path>`. */
export interface ArchiveMember {
  /** Path inside the archive (and, the same, under the dataset's download folder). */
  path: string;
  /** Exact size in bytes, where pinned (class-name text files are not). */
  bytes?: number;
}

export interface DatasetEntry {
  name: DatasetName;
  title: string;
  format: DatasetFormat;
  /** What `skiplab data fetch <name>` downloads. */
  files: RemoteFile[];
  /** For archives: which downloaded file is the archive (gzip-compressed tar) and which members to extract. */
  archive?: { file: string; members: ArchiveMember[] };
  /** Files each split's loader reads, relative to the dataset's download folder (images first, then labels). */
  splitFiles: { train: string[]; test: string[] };
  /** Official sample counts per split. */
  splitSizes: { train: number; test: number };
  /** Shape of one sample as stored by the loaders, CHW. */
  sampleShape: [number, number, number];
  numClasses: number;
  classNames: string[];
  licence: string;
  homepage: string;
  citation: string;
}

const TFDS = "TensorFlow Datasets tensorflow_datasets/url_checksums";

export const CIFAR10_CLASSES = [
  "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
];

export const CIFAR100_FINE_CLASSES = [
  "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
  "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
  "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
  "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
  "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
  "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
  "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
  "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
  "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
  "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
];

export const CIFAR100_COARSE_CLASSES = [
  "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
  "household_electrical_devices", "household_furniture", "insects", "large_carnivores",
  "large_man-made_outdoor_things", "large_natural_outdoor_scenes", "large_omnivores_and_herbivores",
  "medium_mammals", "non-insect_invertebrates", "people", "reptiles", "small_mammals", "trees",
  "vehicles_1", "vehicles_2",
];

export const STL10_CLASSES = ["airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"];

export const DIGIT_CLASSES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

export const FASHION_MNIST_CLASSES = [
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
];

const CIFAR10_RECORDS = 10000 * (1 + 3072); // one batch file: 10000 records of 3073 bytes
const STL10_IMAGE = 3 * 96 * 96; // 27648 bytes per image

const IDX_FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

export const REGISTRY: Record<DatasetName, DatasetEntry> = {
  cifar10: {
    name: "cifar10",
    title: "CIFAR-10 (binary version)",
    format: "cifar10-binary",
    files: [
      {
        file: "cifar-10-binary.tar.gz",
        url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
        mirrors: [],
        bytes: 170052171,
        sha256: "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
        md5: "c32a1d4ab5d03f1284b67883e8d87530", // CIFAR page and torchvision-era loaders
        checksumSource: `${TFDS}/cifar10.txt; md5 from the CIFAR page`,
      },
    ],
    archive: {
      file: "cifar-10-binary.tar.gz",
      members: [
        ...[1, 2, 3, 4, 5].map((i) => ({ path: `cifar-10-batches-bin/data_batch_${i}.bin`, bytes: CIFAR10_RECORDS })),
        { path: "cifar-10-batches-bin/test_batch.bin", bytes: CIFAR10_RECORDS },
        { path: "cifar-10-batches-bin/batches.meta.txt" }, // class names; size not pinned
      ],
    },
    splitFiles: {
      train: [1, 2, 3, 4, 5].map((i) => `cifar-10-batches-bin/data_batch_${i}.bin`),
      test: ["cifar-10-batches-bin/test_batch.bin"],
    },
    splitSizes: { train: 50000, test: 10000 },
    sampleShape: [3, 32, 32],
    numClasses: 10,
    classNames: CIFAR10_CLASSES,
    licence: "No licence stated by the authors; free to use for research with a citation of the tech report.",
    homepage: "https://www.cs.toronto.edu/~kriz/cifar.html",
    citation: "A. Krizhevsky, Learning Multiple Layers of Features from Tiny Images, tech. report, U. Toronto, 2009.",
  },
  cifar100: {
    name: "cifar100",
    title: "CIFAR-100 (binary version; fine and coarse labels)",
    format: "cifar100-binary",
    files: [
      {
        file: "cifar-100-binary.tar.gz",
        url: "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
        mirrors: [],
        bytes: 168513733,
        sha256: "58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec",
        md5: "03b5dce01913d631647c71ecec9e9cb8",
        checksumSource: `${TFDS}/cifar100.txt; md5 from the CIFAR page`,
      },
    ],
    archive: {
      file: "cifar-100-binary.tar.gz",
      members: [
        { path: "cifar-100-binary/train.bin", bytes: 50000 * (2 + 3072) },
        { path: "cifar-100-binary/test.bin", bytes: 10000 * (2 + 3072) },
        { path: "cifar-100-binary/fine_label_names.txt" },
        { path: "cifar-100-binary/coarse_label_names.txt" },
      ],
    },
    splitFiles: { train: ["cifar-100-binary/train.bin"], test: ["cifar-100-binary/test.bin"] },
    splitSizes: { train: 50000, test: 10000 },
    sampleShape: [3, 32, 32],
    numClasses: 100,
    classNames: CIFAR100_FINE_CLASSES,
    licence: "No licence stated by the authors; free to use for research with a citation of the tech report.",
    homepage: "https://www.cs.toronto.edu/~kriz/cifar.html",
    citation: "A. Krizhevsky, Learning Multiple Layers of Features from Tiny Images, tech. report, U. Toronto, 2009.",
  },
  svhn: {
    name: "svhn",
    title: "SVHN, cropped digits (format 2), train and test",
    format: "svhn-mat",
    files: [
      {
        file: "train_32x32.mat",
        url: "http://ufldl.stanford.edu/housenumbers/train_32x32.mat",
        mirrors: [],
        bytes: 182040794,
        sha256: "435e94d69a87fde4fd4d7f3dd208dfc32cb6ae8af2240d066de1df7508d083b8",
        md5: "e26dedcc434d2e4c54c9b2d4a06d8373",
        checksumSource: `${TFDS}/svhn_cropped.txt; md5 from torchvision/datasets/svhn.py`,
      },
      {
        file: "test_32x32.mat",
        url: "http://ufldl.stanford.edu/housenumbers/test_32x32.mat",
        mirrors: [],
        bytes: 64275384,
        sha256: "cdce80dfb2a2c4c6160906d0bd7c68ec5a99d7ca4831afa54f09182025b6a75b",
        md5: "eb5a983be6a315427106f1b164d9cef3",
        checksumSource: `${TFDS}/svhn_cropped.txt; md5 from torchvision/datasets/svhn.py`,
      },
    ],
    splitFiles: { train: ["train_32x32.mat"], test: ["test_32x32.mat"] },
    splitSizes: { train: 73257, test: 26032 },
    sampleShape: [3, 32, 32],
    numClasses: 10,
    classNames: DIGIT_CLASSES,
    licence: "Non-commercial use only (SVHN web page).",
    homepage: "http://ufldl.stanford.edu/housenumbers/",
    citation:
      "Y. Netzer, T. Wang, A. Coates, A. Bissacco, B. Wu, A. Y. Ng, Reading Digits in Natural Images with " +
      "Unsupervised Feature Learning, NIPS Workshop on Deep Learning and Unsupervised Feature Learning, 2011.",
  },
  stl10: {
    name: "stl10",
    title: "STL-10, labelled train and test (binary version)",
    format: "stl10-binary",
    files: [
      {
        file: "stl10_binary.tar.gz",
        url: "http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz",
        mirrors: [],
        bytes: 2640397119,
        sha256: "f31fd99273a1acb8609c8db427cebb1de3f71de77758cdc0e22956e1289b9866",
        md5: "91f7769df0f17e558f3565bffb0c7dfb",
        checksumSource: `${TFDS}/stl10.txt; md5 from torchvision/datasets/stl10.py`,
      },
    ],
    archive: {
      // The 2.6 GB archive also holds unlabeled_X.bin (100000 images, 2.7 GB); it is not extracted.
      file: "stl10_binary.tar.gz",
      members: [
        { path: "stl10_binary/train_X.bin", bytes: 5000 * STL10_IMAGE },
        { path: "stl10_binary/train_y.bin", bytes: 5000 },
        { path: "stl10_binary/test_X.bin", bytes: 8000 * STL10_IMAGE },
        { path: "stl10_binary/test_y.bin", bytes: 8000 },
        { path: "stl10_binary/class_names.txt" },
      ],
    },
    splitFiles: {
      train: ["stl10_binary/train_X.bin", "stl10_binary/train_y.bin"],
      test: ["stl10_binary/test_X.bin", "stl10_binary/test_y.bin"],
    },
    splitSizes: { train: 5000, test: 8000 },
    sampleShape: [3, 96, 96],
    numClasses: 10,
    classNames: STL10_CLASSES,
    licence: "No licence stated by the authors (images come from ImageNet); cite the paper.",
    homepage: "https://cs.stanford.edu/~acoates/stl10/",
    citation:
      "A. Coates, H. Lee, A. Y. Ng, An Analysis of Single Layer Networks in Unsupervised Feature Learning, AISTATS 2011.",
  },
  mnist: {
    name: "mnist",
    title: "MNIST handwritten digits (idx, gzip)",
    format: "idx",
    files: [
      // TFDS downloads from the CVDF mirror; torchvision's md5s (of the same files on yann.lecun.com / ossci) below.
      idxFile("mnist", "https://storage.googleapis.com/cvdf-datasets/mnist/", IDX_FILES[0], 9912422,
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
      idxFile("mnist", "https://storage.googleapis.com/cvdf-datasets/mnist/", IDX_FILES[1], 28881,
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", "d53e105ee54ea40749a09fcbcd1e9432"),
      idxFile("mnist", "https://storage.googleapis.com/cvdf-datasets/mnist/", IDX_FILES[2], 1648877,
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", "9fb629c4189551a2d022fa330f9573f3"),
      idxFile("mnist", "https://storage.googleapis.com/cvdf-datasets/mnist/", IDX_FILES[3], 4542,
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", "ec29112dd5afa0611ce80d1b7f02629c"),
    ],
    splitFiles: { train: [IDX_FILES[0], IDX_FILES[1]], test: [IDX_FILES[2], IDX_FILES[3]] },
    splitSizes: { train: 60000, test: 10000 },
    sampleShape: [1, 28, 28],
    numClasses: 10,
    classNames: DIGIT_CLASSES,
    licence: "Copyright Y. LeCun and C. Cortes; no licence file upstream (redistributions usually cite CC BY-SA 3.0).",
    homepage: "http://yann.lecun.com/exdb/mnist/",
    citation: "Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, Gradient-based learning applied to document recognition, Proc. IEEE 1998.",
  },
  "fashion-mnist": {
    name: "fashion-mnist",
    title: "Fashion-MNIST (idx, gzip)",
    format: "idx",
    files: [
      idxFile("fashion-mnist", "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", IDX_FILES[0], 26421880,
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
      idxFile("fashion-mnist", "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", IDX_FILES[1], 29515,
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", "25c81989df183df01b3e8a0aad5dffbe"),
      idxFile("fashion-mnist", "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", IDX_FILES[2], 4422102,
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", "bef4ecab320f06d8554ea6380940ec79"),
      idxFile("fashion-mnist", "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", IDX_FILES[3], 5148,
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", "bb300cfdad3c16e7a12a480ee83cd310"),
    ],
    splitFiles: { train: [IDX_FILES[0], IDX_FILES[1]], test: [IDX_FILES[2], IDX_FILES[3]] },
    splitSizes: { train: 60000, test: 10000 },
    sampleShape: [1, 28, 28],
    numClasses: 10,
    classNames: FASHION_MNIST_CLASSES,
    licence: "MIT (Zalando SE).",
    homepage: "https://github.com/zalandoresearch/fashion-mnist",
    citation:
      "H. Xiao, K. Rasul, R. Vollgraf, Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning " +
      "Algorithms, arXiv:1708.07747, 2017.",
  },
};

/**
 * sha256 and sizes of the Debian `dataset-fashion-mnist` 0.0~git20200523.55506a9-1 files in
 * /usr/share/datasets/fashion-mnist, measured with sha256sum on the development machine (November 2026).
 * Same idx content as upstream; only the gzip header differs (see the module comment).
 */
export const FASHION_MNIST_DEBIAN: Record<string, { bytes: number; sha256: string }> = {
  "train-images-idx3-ubyte.gz": { bytes: 26421856, sha256: "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7" },
  "train-labels-idx1-ubyte.gz": { bytes: 29491, sha256: "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056" },
  "t10k-images-idx3-ubyte.gz": { bytes: 4422079, sha256: "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa" },
  "t10k-labels-idx1-ubyte.gz": { bytes: 5125, sha256: "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05" },
};

/**
 * The committed subset data/fashion-mnist-subset/ (first 10000 train and 2000 test images of the files above, idx,
 * gzip level 9 with mtime 0), written by data/fashion-mnist-subset/make-subset.mjs; sha256 measured after writing.
 */
export const FASHION_MNIST_SUBSET: Record<string, { bytes: number; sha256: string }> = {
  "train-images-idx3-ubyte.gz": { bytes: 4362797, sha256: "7e73eabf1cc5e1aca3fb3f3f60a48ac56c7c393361d29b4f18ea9ad407e56b94" },
  "train-labels-idx1-ubyte.gz": { bytes: 4758, sha256: "3cb46e21e7c1f80de6a0810b8d238c1ae21a576d53c190e35eee8c09e527ed2a" },
  "t10k-images-idx3-ubyte.gz": { bytes: 880422, sha256: "a9b97d2cbf4070197effa2fa2a1ce0d25376ac56d3b1d172381a0ece6c0ab9b7" },
  "t10k-labels-idx1-ubyte.gz": { bytes: 937, sha256: "555ffb9b8d1b0e6e4da296f1f6846d7eb06bf9081a26602dce72714de855d4b1" },
};

function idxFile(dataset: string, base: string, file: string, bytes: number, sha256: string, md5: string): RemoteFile {
  const mirrors =
    dataset === "mnist"
      ? [`https://ossci-datasets.s3.amazonaws.com/mnist/${file}`]
      : [`https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/${file}`];
  return {
    file,
    url: base + file,
    mirrors,
    bytes,
    sha256,
    md5,
    checksumSource: `${TFDS}/${dataset === "mnist" ? "mnist" : "fashion_mnist"}.txt; md5 from torchvision/datasets/mnist.py`,
  };
}

export const DATASET_NAMES = Object.keys(REGISTRY) as DatasetName[];

/** The registry entry for `name`, or a DatasetError listing the known names. */
export function getDatasetEntry(name: string): DatasetEntry {
  const key = name.toLowerCase().replace(/_/g, "-");
  const alias: Record<string, DatasetName> = {
    "cifar-10": "cifar10",
    "cifar-100": "cifar100",
    "svhn-cropped": "svhn",
    "stl-10": "stl10",
    fashionmnist: "fashion-mnist",
  };
  const resolved = (alias[key] ?? key) as DatasetName;
  const entry = REGISTRY[resolved];
  if (entry === undefined) {
    throw new DatasetError({
      code: "unknown-dataset",
      what: `Unknown dataset "${name}"`,
      file: name,
      expected: `one of: ${DATASET_NAMES.join(", ")}`,
      found: JSON.stringify(name),
      fix: "check the spelling, or run `npx skiplab data list` to see the registry",
    });
  }
  return entry;
}

/** Files the loaders read for `entry` (extracted archive members, or the downloaded files themselves). */
export function loaderFiles(entry: DatasetEntry): { path: string; bytes?: number }[] {
  if (entry.archive !== undefined) return entry.archive.members.map((m) => ({ path: m.path, bytes: m.bytes }));
  return entry.files.map((f) => ({ path: f.file, bytes: f.bytes }));
}

/** Total download size of a dataset in bytes. */
export function downloadBytes(entry: DatasetEntry): number {
  return entry.files.reduce((s, f) => s + f.bytes, 0);
}
