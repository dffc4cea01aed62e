# The Argo CD config management plugin sidecar for pullthrough
# (docs/argocd.md): pullthrough, helm and kubectl (with kustomize built in), static
# binaries on an empty base, run by argocd-cmp-server as uid 999.
#
# The build context is the directory scripts/prepare-image.sh fills, not the
# repository, for linux/amd64 and linux/arm64; the build only copies, so it
# needs no network and no registry, and no emulation for arm64.
# scripts/build-image.sh builds both and the manifest list:
#
#   scripts/prepare-image.sh
#   buildah bud --platform linux/arm64 --isolation chroot --storage-driver vfs -f Dockerfile -t pullthrough-cmp:arm64 target/image
#
# `FROM scratch`: nothing to pull, no shell, no package manager, nothing to
# patch but the three binaries. plugin.yaml runs `pullthrough generate`
# directly, so no shell is needed.
FROM scratch

# Set by the builder from --platform (buildah, docker buildx): amd64 or arm64.
ARG TARGETARCH

# <arch>/rootfs/: /usr/local/bin/{pullthrough,helm,kubectl[,kustomize]}, CA
# certificates, /etc/passwd with argocd (999), the plugin config at
# /home/argocd/cmp-server/config/plugin.yaml, the transparent setup's
# discovering plugin at /home/argocd/cmp-server/directory/plugin.yaml
# (plugin-directory.yaml), and /tmp (1777). One COPY keeps
# the modes prepare-image.sh set.
COPY ${TARGETARCH}/rootfs/ /

# The repo-server's argocd user: the shared socket directory is its.
USER 999:999

# Helm writes its cache, config and data under HOME unless told otherwise;
# only /tmp is writable (an emptyDir in the pod, argo-cd#10265). All requests
# share these; `helm dependency build` gets a repository cache of its own
# request under /tmp (pullthrough-helm-*), as concurrent builds sharing one
# read each other's half-written indexes (docs/argocd.md, "Under load").
ENV PATH=/usr/local/bin \
    HOME=/tmp \
    HELM_CACHE_HOME=/tmp/helm/cache \
    HELM_CONFIG_HOME=/tmp/helm/config \
    HELM_DATA_HOME=/tmp/helm/data \
    KUBECACHEDIR=/tmp/kube/cache

WORKDIR /tmp

# argocd-cmp-server is not in the image: the repo-server's init container
# copies the argocd binary into the shared var-files volume mounted at
# /var/run/argocd (deploy/argocd/repo-server-patch.yaml).
ENTRYPOINT ["/var/run/argocd/argocd-cmp-server"]
