# rabbitmq-krm: the KRM function image.
#
# It packages the binary that `make build` produces (static, CGO_ENABLED=0): the image runs exactly the
# code that exec mode runs, and the build needs no network and pulls no base image:
#
#   make build && docker build --build-arg VERSION="$(bin/rabbitmq-krm version --short)" \
#     -t ghcr.io/rabbitmq-krm/rabbitmq-krm:v0.2.0 .
#
# kustomize and kpt start function containers with `--user nobody` (and `--network none`), so the image
# must resolve the user name `nobody`: a bare FROM scratch fails with "unable to find user nobody".
# There is deliberately no `# syntax=` line: it makes BuildKit pull a frontend image, which fails offline.
FROM scratch

ARG VERSION=dev
LABEL org.opencontainers.image.title="rabbitmq-krm" \
      org.opencontainers.image.description="KRM function: renders a RabbitMQCluster config into Kubernetes manifests" \
      org.opencontainers.image.source="https://github.com/rabbitmq-krm/rabbitmq-krm" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"

# Only root and nobody/nogroup (65534): the names Docker, kustomize and kpt resolve.
COPY hack/image/etc/passwd hack/image/etc/group /etc/
COPY bin/rabbitmq-krm /usr/local/bin/rabbitmq-krm

# Non-root by default too (kustomize/kpt override the user with nobody, which is the same uid).
USER 65534:65534
ENTRYPOINT ["/usr/local/bin/rabbitmq-krm"]
