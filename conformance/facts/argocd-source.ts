/**
 * How Argo CD v2.14.21's directory source turns a folder of the repository into objects (issue 25): the rules
 * verify/argocd-source.ts follows so that verify judges exactly what Argo CD applies. Read at the tag
 * (argoproj/argo-cd @ 206a6eeca509, reposerver/repository/repository.go: findManifests,
 * getObjsFromYAMLOrJson, getPotentiallyValidManifestFile, GenerateManifests; util/app/path/path.go;
 * util/app/discovery/discovery.go) and in the apimachinery version its go.mod replaces (v0.31.2).
 */
import { factTable } from '../upstream';

export const ARGOCD_SOURCE_FACTS = factTable('argocd-source', {
  manifestNames: {
    fact: 'A directory source reads files whose name matches ^.*\\.(yaml|yml|json|jsonnet)$; no name is skipped for starting with a dot',
    value: ['yaml', 'yml', 'json', 'jsonnet'],
    upstream: 'argo-cd',
    path: 'reposerver/repository/repository.go',
  },
  recurse: {
    fact: 'Sub-folders are skipped (filepath.SkipDir) unless spec.source.directory.recurse is true; include/exclude globs match the path relative to the application folder',
    value: 'directory.recurse',
    upstream: 'argo-cd',
    path: 'reposerver/repository/repository.go',
  },
  jsonnet: {
    fact: '.jsonnet files are evaluated with go-jsonnet when manifest generation for the Directory type is enabled, which it is unless the repo-server is configured otherwise',
    value: true,
    upstream: 'argo-cd',
    path: 'util/app/discovery/discovery.go',
  },
  jsonOneObject: {
    fact: 'A .json file holds exactly one object: json.Decoder decodes one value and decoder.More() is an error ("Only single objects are allowed in JSON files")',
    value: 1,
    upstream: 'argo-cd',
    path: 'reposerver/repository/repository.go',
  },
  yamlOrJson: {
    fact: '.yaml/.yml files go through Kubernetes\' YAMLOrJSONDecoder (a JSON stream when the text starts with {, YAML documents otherwise); a file whose first document fails is ignored only when it lacks one of "apiVersion:", "kind:", "metadata:"',
    value: 'YAMLOrJSONDecoder',
    upstream: 'argo-cd',
    path: 'reposerver/repository/repository.go',
  },
  separator: {
    fact: "Kubernetes' YAMLReader ends a document at a line starting with --- followed only by spaces or a # comment; any other text after --- is a syntax error",
    value: '---',
    upstream: 'apimachinery',
    path: 'pkg/util/yaml/decoder.go',
  },
  missingKind: {
    fact: 'Decoding into unstructured fails when kind is empty (NewMissingKindErr); apiVersion is not required at decode time (TODO 109023), the API server requires it',
    value: 'kind',
    upstream: 'apimachinery',
    path: 'pkg/apis/meta/v1/unstructured/helpers.go',
  },
  lists: {
    fact: 'Any object whose items field is an array is a list (IsList), whatever its kind; GenerateManifests applies each items member (EachListItem fails for a member that is not an object); items: null without spec or status is an empty list (isNullList)',
    value: 'items',
    upstream: 'apimachinery',
    path: 'pkg/apis/meta/v1/unstructured/unstructured.go',
  },
  listsExpanded: {
    fact: 'GenerateManifests expands every list returned by findManifests into its items before tracking labels are set',
    value: true,
    upstream: 'argo-cd',
    path: 'reposerver/repository/repository.go',
  },
  symlinks: {
    fact: 'The repo-server refuses the whole repository when any symlink in it is absolute or leaves the repository (CheckOutOfBoundsSymlinks, unless AllowOutOfBoundsSymlinks); inside the repository a symlink named like a manifest is followed to a regular file, and folder symlinks are not walked',
    value: 'refused out of bounds, followed to files',
    upstream: 'argo-cd',
    path: 'util/app/path/path.go',
  },
  bom: {
    fact: 'Manifest files are opened with utfutil.OpenFile(UTF8): a byte-order mark is honoured, so a UTF-16 file with a BOM is decoded as UTF-16',
    value: 'utfutil',
    upstream: 'argo-cd',
    path: 'reposerver/repository/repository.go',
  },
});
