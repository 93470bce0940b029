# Frozen tag: openjdk:8-jdk-alpine stopped at 8u212. No USER either.
FROM openjdk:8-jdk-alpine
VOLUME /tmp
ARG JAR_FILE=target/batch.jar
COPY ${JAR_FILE} app.jar
ENTRYPOINT ["java","-Djava.security.egd=file:/dev/./urandom","-jar","/app.jar"]
