# saelab in a container, for sweeps on Kubernetes (saelab sweep manifest --kind kubernetes):
# a static binary on a distroless base, run as a non-root user (uid 65532, as the manifest's
# securityContext expects).
#
#   docker build -t saelab:dev .
#   docker run --rm saelab:dev version
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=0.1.0-dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X saelab/internal/version.Version=${VERSION}" -o /out/saelab ./cmd/saelab

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/saelab /usr/local/bin/saelab
USER 65532:65532
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/saelab"]
CMD ["--help"]
