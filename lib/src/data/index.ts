/**
 * The data layer: registry, fetching, loaders for the real formats, preprocessing, synthetic data (batching is train/data.ts).
 * Explicit exports (not `export *`) keep internal helpers (progress bar, Jacobi solver, record reader) out of the
 * package index, where they could collide with other modules' names.
 */
export { DatasetError, type DatasetErrorCode, type DatasetErrorDetails } from "./errors";
export {
  assertClassification,
  checkDataset,
  describeDataset,
  labelHistogram,
  type ClassificationDataset,
  type Dataset,
  type DatasetSplit,
  type InputArray,
  type SampleLayout,
} from "./dataset";
export { DATA_DIR_ENV, downloadDir, findProjectRoot, resolveDataDir, type DataDirOptions } from "./paths";
export {
  CIFAR10_CLASSES,
  CIFAR100_COARSE_CLASSES,
  CIFAR100_FINE_CLASSES,
  DATASET_NAMES,
  DIGIT_CLASSES,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DEBIAN,
  FASHION_MNIST_SUBSET,
  getDatasetEntry,
  REGISTRY,
  STL10_CLASSES,
  type ArchiveMember,
  type DatasetEntry,
  type DatasetFormat,
  type DatasetName,
  type RemoteFile,
} from "./registry";
export { digestFile, type FileDigest } from "./checksum";
export { downloadFile, type DownloadOptions, type DownloadResult } from "./download";
export { listTarGz, walkTar, walkTarGz, type TarHeader, type TarSink, type TarVisitor } from "./tar";
export {
  datasetStatus,
  fetchDataset,
  verifyDataset,
  type FetchOptions,
  type FetchReport,
  type VerifyReport,
} from "./fetch";
export type { LocateOptions } from "./locate";
export { encodeIdx, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, loadIdxPair, parseIdx, readIdxFile, type IdxArray } from "./idx";
export { loadCifar10, loadCifar100, parseCifarFiles, type Cifar100LoadOptions, type CifarLoadOptions } from "./cifar";
export { readMat, readMatFile, type MatVariable } from "./mat";
export { loadSvhn, svhnFromMat, type SvhnLoadOptions } from "./svhn";
export { loadStl10, parseStl10, type Stl10LoadOptions } from "./stl10";
export {
  DEBIAN_FASHION_MNIST_DIR,
  FASHION_MNIST_SUBSET_SIZES,
  fashionMnistSources,
  loadFashionMnist,
  loadMnist,
  type FashionMnistLoadOptions,
  type FashionMnistSource,
  type MnistLoadOptions,
} from "./mnist";
export { loadDataset, type LoadDatasetOptions } from "./load";
export { applyStandardizer, fitStandardizer, standardizeSplits, toFloat32, type StandardizeStats } from "./standardize";
export { flatten, toLayout } from "./layout";
export { sampleSubset, selectClasses, takeSamples, type SampleSubsetOptions } from "./subsets";
export { applyPca, fitPca, pcaSplits, type PcaModel, type PcaOptions } from "./pca";
export { downsample, type DownsampleOptions } from "./downsample";
export {
  makeTeacher,
  teacherForward,
  teacherStudent,
  type Teacher,
  type TeacherActivation,
  type TeacherConfig,
  type TeacherStudentOptions,
} from "./teacher-student";
export { blobMeans, gaussianMixture, sampleBlobs, type BlobPlacement, type GaussianMixtureOptions } from "./gaussian-mixture";
export { DATA_USAGE, dataCommand } from "./cli";
